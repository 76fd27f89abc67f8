import ThinkEditCore
import ThinkEditStore

/// What made a run's data, for `status` and serve's overview: the work each settings record made,
/// whether the run is mixed, and — against the config — which model stages are stale and why.
package struct SettingsStatus: Sendable {
    package var generate: [SettingsUsage]
    package var score: [SettingsUsage]
    /// Model stages whose stored work the config's settings no longer describe.
    package var stale: [Stale] = []
    /// The config's records, when a config was given.
    package var current: (generate: String, score: String)? = nil

    package struct Stale: Sendable {
        package var stage: StageName
        package var records: [String]
        package var affected: String
        package var changes: [SettingsChange]
    }

    package init(store: RunStore, config: RunConfig?) throws {
        generate = try store.generateSettingsUsage()
        score = try store.scoreSettingsUsage()
        guard let config else { return }
        let g = try config.generateSettings(), s = try config.scoreSettings()
        current = (g.id, s.id)
        let stored = (generate: try store.settingsRecords(stage: .generate), score: try store.settingsRecords(stage: .score))
        func changes(_ ids: [String], _ records: [String: (json: String, kept: Bool)], _ to: SettingsRecord) -> [SettingsChange] {
            var out: [SettingsChange] = []
            for id in ids {
                let old = records[id].flatMap { try? JSONParser.parse($0.json) } ?? .null
                for c in SettingsRecord.changes(from: old, to: to.value) where !out.contains(c) { out.append(c) }
            }
            return out
        }
        let sg = try store.staleGeneration(current: g.id)
        if !sg.records.isEmpty {
            stale.append(Stale(stage: .generate, records: sg.records, affected: "\(sg.trajectories) trajectories (\(sg.turns) turns)",
                               changes: changes(sg.records, stored.generate, g)))
        }
        let ss = try store.staleScores(current: s.id)
        if !ss.records.isEmpty {
            stale.append(Stale(stage: .score, records: ss.records, affected: "\(ss.turns) scored turns",
                               changes: changes(ss.records, stored.score, s)))
        }
    }

    /// More than one record made the run's trajectories, or judged them.
    package var mixed: Bool { generate.count > 1 || score.count > 1 }

    package var lines: [String] {
        func list(_ usage: [SettingsUsage], _ unit: (SettingsUsage) -> String, current: String?) -> String {
            usage.isEmpty ? "none" : usage.map { u in
                "\(u.id) \(unit(u))" + (u.id == current ? " (the config's)" : u.kept ? " (kept)" : "")
            }.joined(separator: "; ")
        }
        var out = [
            "settings      generate: " + list(generate, { "\($0.trajectories) trajectories" }, current: current?.generate)
                + "; score: " + list(score, { "\($0.turns) turns" }, current: current?.score) + (mixed ? "; mixed" : ""),
        ]
        for s in stale {
            out.append("stale         \(s.stage): \(s.affected) made with \(s.records.joined(separator: ", ")); changed: "
                + s.changes.prefix(6).map(\.description).joined(separator: ", ") + (s.changes.count > 6 ? ", ..." : "")
                + " (run with --recompute or --keep)")
        }
        return out
    }

    package var json: JSONValue {
        func records(_ usage: [SettingsUsage], current: String?) -> JSONValue {
            .object(usage.map { u in
                (u.id, .object([("trajectories", .integer(Int64(u.trajectories))), ("turns", .integer(Int64(u.turns))),
                                ("kept", .bool(u.kept)), ("current", .bool(u.id == current))]))
            })
        }
        return .object([
            ("generate", records(generate, current: current?.generate)),
            ("score", records(score, current: current?.score)),
            ("mixed", .bool(mixed)),
            ("stale", .array(stale.map { s in
                .object([("stage", .string(s.stage.rawValue)), ("records", .array(s.records.map { .string($0) })),
                         ("affected", .string(s.affected)), ("changes", .array(s.changes.map { .string($0.description) }))])
            })),
        ])
    }
}
