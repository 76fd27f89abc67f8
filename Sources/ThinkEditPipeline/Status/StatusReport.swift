import Foundation
import GRDB
import ThinkEditCore
import ThinkEditStore

/// What `thinkedit status` prints: a readable table, or one JSON object with `--json`.
/// Reads only, so it works while another process writes the run.
package struct StatusReport {
    package let workdir: String
    package let snapshot: RunSnapshot
    package let stages: [StageName: StageRun]
    /// Spend so far and projected total of the model stages.
    package let spend: [StageSpend]
    /// Batch mode: batches by journal state, and the requests of those still open.
    package let batches: (byState: [BatchState: Int], openRequests: Int)
    /// The settings records behind the run's work, and what is stale against the config.
    package let settings: SettingsStatus

    /// Stages in pipeline order; the table lists them so.

    /// With `config`, the report also says which model stages the config's settings make stale.
    package init(store: RunStore, config: RunConfig? = nil) throws {
        workdir = store.workdir
        settings = try SettingsStatus(store: store, config: config)
        snapshot = try store.snapshot()
        stages = try store.latestStageRuns()
        spend = try store.spend()
        batches = try store.read { db in
            var byState: [BatchState: Int] = [:]
            var open = 0
            for (state, n, requests) in try Row.decodeAll(db, sql: "SELECT state, count(*) AS n, sum(requests) AS requests FROM batch GROUP BY state", {
                (try $0.word("state", as: BatchState.self), $0["n"] as Int, $0["requests"] as Int)
            }) {
                byState[state] = n
                if state.isOpen { open += requests }
            }
            return (byState, open)
        }
    }

    package var table: String {
        let s = snapshot
        func counts<K>(_ d: [K: Int]) -> String where K: RawRepresentable, K.RawValue == String {
            d.isEmpty ? "none" : d.byName.map { "\($0.name) \(group($0.count))" }.joined(separator: ", ")
        }
        var lines: [String] = []
        lines.append("run           \(workdir)")
        lines.append("pool          \(group(s.poolItems)) items, \(group(s.images)) images stored")
        lines.append("trajectories  \(counts(s.trajectories))" + (s.failures.isEmpty ? "" : "; failed by class: \(counts(s.failures))"))
        lines.append("turns         \(group(s.turns)), \(group(s.scoredTurns)) scored"
                     + (s.rewrittenPromptTurns == 0 ? "" : "; \(group(s.rewrittenPromptTurns)) executed a prompt the editor rewrote (in \(group(s.rewrittenPromptTrajectories)) trajectories)"))
        lines.append("curation      kept \(group(s.kept)); dropped: \(counts(s.dropped))")
        lines.append("samples       \(group(s.samples)); selected: \(counts(s.split))")
        lines += settings.lines
        lines.append("calls         \(group(s.calls)); \(group(s.cachedCalls)) answered from the response cache; errors: \(counts(s.callErrors)); tokens \(group(s.promptTokens)) in, \(group(s.completionTokens)) out; cost \(String(format: "%.2f", s.cost))")
        for sp in spend where sp.cost > 0 || sp.promptTokens > 0 {
            let projected = sp.projected.map { String(format: "%.2f", $0) } ?? "-"
            lines.append(pad("spend", 14) + "\(sp.stage): \(String(format: "%.2f", sp.cost)) so far for \(group(sp.done)) of \(group(sp.total)); projected total \(projected)")
            let priced = sp.backends.filter { $0.cost > 0 }
            if !priced.isEmpty {
                lines.append(pad("", 14) + "  by backend: " + priced.map { "\($0.backend) \(String(format: "%.2f", $0.cost)) for \(group($0.calls)) calls" }.joined(separator: ", "))
            }
        }
        if !batches.byState.isEmpty {
            let open = batches.byState.filter(\.key.isOpen).values.reduce(0, +)
            lines.append(pad("batches", 14) + "\(group(open)) open (\(group(batches.openRequests)) requests in flight), \(group(batches.byState[.done] ?? 0)) done; `thinkedit batches` lists them")
        }
        lines.append("")
        lines.append(pad("stage", 10) + pad("status", 13) + pad("finished (UTC)", 21) + "counts")
        for name in StageName.allCases {
            guard let run = stages[name] else {
                lines.append(pad(name.rawValue, 10) + "not run")
                continue
            }
            let finished = run.finishedAt.map { Self.time($0) } ?? "-"
            lines.append(pad(name.rawValue, 10) + pad(run.status.rawValue, 13) + pad(finished, 21) + Self.inline(run.counts))
            if let message = run.message { lines.append(pad("", 10) + message) }
        }
        lines += curationDetails()
        return lines.joined(separator: "\n")
    }

    package var json: String {
        let s = snapshot
        func obj<K>(_ d: [K: Int]) -> JSONValue where K: RawRepresentable, K.RawValue == String {
            .object(d.byName.map { ($0.name, .integer(Int64($0.count))) })
        }
        var stageValues: [(String, JSONValue)] = []
        for name in StageName.allCases {
            guard let run = stages[name] else { continue }
            var fields: [(String, JSONValue)] = [("status", .string(run.status.rawValue)), ("fingerprint", .string(run.fingerprint)),
                                                  ("started_at", .number(run.startedAt))]
            if let f = run.finishedAt { fields.append(("finished_at", .number(f))) }
            if let c = run.counts, let v = Self.parse(c) { fields.append(("counts", v)) }
            if let st = run.stats, let v = Self.parse(st) { fields.append(("stats", v)) }
            if let m = run.message { fields.append(("message", .string(m))) }
            stageValues.append((name.rawValue, .object(fields)))
        }
        let value = JSONValue.object([
            ("workdir", .string(workdir)),
            ("pool_items", .integer(Int64(s.poolItems))),
            ("images", .integer(Int64(s.images))),
            ("trajectories", obj(s.trajectories)),
            ("failures", obj(s.failures)),
            ("turns", .integer(Int64(s.turns))),
            ("scored_turns", .integer(Int64(s.scoredTurns))),
            ("rewritten_prompt_turns", .integer(Int64(s.rewrittenPromptTurns))),
            ("rewritten_prompt_trajectories", .integer(Int64(s.rewrittenPromptTrajectories))),
            ("kept", .integer(Int64(s.kept))),
            ("dropped", obj(s.dropped)),
            ("samples", .integer(Int64(s.samples))),
            ("split", obj(s.split)),
            ("calls", .integer(Int64(s.calls))),
            ("cached_calls", .integer(Int64(s.cachedCalls))),
            ("settings", settings.json),
            ("call_errors", obj(s.callErrors)),
            ("prompt_tokens", .integer(Int64(s.promptTokens))),
            ("completion_tokens", .integer(Int64(s.completionTokens))),
            ("cost", .number(s.cost)),
            ("spend", .object(spend.map { sp -> (String, JSONValue) in
                (sp.stage, JSONValue.object([("cost", .number(sp.cost)), ("done", .integer(Int64(sp.done))), ("total", .integer(Int64(sp.total))),
                                    ("projected", sp.projected.map { JSONValue.number($0) } ?? JSONValue.null),
                                    ("backends", .object(sp.backends.map { b in
                                        (b.backend, JSONValue.object([("cost", .number(b.cost)), ("calls", .integer(Int64(b.calls)))]))
                                    }))]))
            })),
            ("batches", .object([("by_state", obj(batches.byState)), ("open_requests", .integer(Int64(batches.openRequests)))])),
            ("stages", .object(stageValues)),
        ])
        return value.canonicalText
    }

    /// The curation statistics of the last filter and split runs, in words and small tables.
    func curationDetails() -> [String] {
        var lines: [String] = []
        let decoder = JSONDecoder()
        if let text = stages[.filter]?.stats, let f = try? decoder.decode(FilterStatistics.self, from: Data(text.utf8)) {
            lines.append("")
            lines.append("filter: \(group(f.kept)) of \(group(f.trajectories)) kept; dropped " +
                DropReason.allCases.map { "\($0.rawValue) \(group(f.dropped[$0]))" }.joined(separator: ", "))
            lines.append("  truncation length k: " + f.lengths.map { "k=\($0.k): \(group($0.count))" }.joined(separator: ", ") +
                "; \(group(f.truncated)) truncated, \(group(f.turnsCut)) turns cut")
        }
        if let text = stages[.split]?.stats, let s = try? decoder.decode(SplitStatistics.self, from: Data(text.utf8)) {
            lines.append("")
            let v = s.variance
            lines.append("variance V of \(group(s.keptTrajectories)) kept trajectories (threshold rl.min_variance = \(JSONNumber.format(v.threshold))): " +
                "\(group(v.atOrBelowThreshold)) at or below, \(group(v.aboveThreshold)) above, \(group(v.zero)) zero")
            let peak = max(1, v.buckets.map(\.count).max() ?? 1)
            for b in v.buckets {
                let bar = String(repeating: "#", count: Int((Double(b.count) / Double(peak) * 40).rounded(.up)))
                let mark = b.lower < v.threshold && v.threshold < b.lower + VarianceHistogram.bucketWidth || b.lower == v.threshold ? " <- threshold" : ""
                lines.append("  " + pad(String(format: "%6.2f", b.lower), 8) + pad(group(b.count), 10) + bar + mark)
            }
            for (name, b, unit) in [("RL", s.rl, "trajectories"), ("SFT", s.sft, "samples")] {
                lines.append("")
                lines.append("\(name): \(group(b.selected)) of \(group(b.target)) \(unit) selected from \(group(b.candidates)) candidates" +
                    (b.shortfall > 0 ? "; SHORTFALL \(group(b.shortfall))" : ""))
                lines.append("  " + pad("task", 18) + pad("candidates", 12) + "selected")
                for t in b.tasks { lines.append("  " + pad(t.task, 18) + pad(group(t.candidates), 12) + group(t.selected)) }
                lines.append("  " + pad("score bin", 18) + pad("candidates", 12) + "selected")
                for bin in b.bins { lines.append("  " + pad("[\(JSONNumber.format(bin.lower))..)", 18) + pad(group(bin.candidates), 12) + group(bin.selected)) }
            }
        }
        return lines
    }

    static func parse(_ text: String) -> JSONValue? {
        try? JSONParser.parse(text)
    }

    package static func inline(_ counts: String?) -> String {
        guard let counts, case .object(let pairs)? = parse(counts) else { return "" }
        return pairs.sorted { $0.0 < $1.0 }.map { "\($0.0) \($0.1.canonicalText)" }.joined(separator: ", ")
    }

    package static func time(_ t: Double) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: t))
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}

/// 1234567 → "1,234,567".
package func group(_ n: Int) -> String {
    let digits = String(abs(n))
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return n < 0 ? "-" + out : out
}
