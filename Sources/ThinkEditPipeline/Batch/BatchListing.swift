import Foundation
import GRDB
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// What `thinkedit batches` shows of one batch: the journal's row and what its answers cost.
package struct BatchListing: Sendable {
    package var row: BatchRow
    /// The cost of its committed answers, at batch prices.
    package var cost: Double

    /// Every batch of the run, oldest first, with the cost of its answers.
    package static func all(_ store: RunStore) throws -> [BatchListing] {
        let rows = try store.batches()
        let costs = try store.read { db in
            var all: [Int64: Double] = [:]
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT r.batch, sum(c.cost) AS cost FROM call c JOIN batch_request r ON r.custom_id = c.request_hash
                WHERE c.outcome = ? GROUP BY r.batch
                """, arguments: [CallOutcome.ok])
            while let r = try cursor.next() { all[r["batch"]] = r["cost"] }
            return all
        }
        return rows.map { BatchListing(row: $0, cost: costs[$0.id] ?? 0) }
    }

    /// The table: id, stage, backend, state, the provider's status, counts, age, cost.
    package static func table(_ listings: [BatchListing], now: Double) -> String {
        guard !listings.isEmpty else { return "no batches in this run (a backend with mode: batch makes them)" }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        var lines = [pad("id", 6) + pad("stage", 9) + pad("backend", 12) + pad("state", 12) + pad("provider", 24) + pad("status", 12)
                     + pad("requests", 10) + pad("answered", 10) + pad("failed", 8) + pad("age", 8) + "cost"]
        for l in listings {
            let b = l.row
            lines.append(pad(String(b.id), 6) + pad(b.stage.rawValue, 9) + pad(b.backend, 12) + pad(b.state.rawValue, 12) + pad(b.batchID ?? "-", 24)
                         + pad(b.remoteStatus ?? "-", 12) + pad(String(b.requests), 10) + pad(String(b.completed), 10) + pad(String(b.failed), 8)
                         + pad(age(now - b.createdAt), 8) + String(format: "%.4f", l.cost))
            if let m = b.message { lines.append(pad("", 6) + m) }
        }
        return lines.joined(separator: "\n")
    }

    static func age(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }

    /// Asks the provider to cancel every batch still in flight (`submitted`); returns what it
    /// said of each. The stage that owns them sees them `cancelled` at its next look, and re-sends
    /// their unanswered requests while they have retries left: stop the stage first to stop them.
    package static func cancelOpen(_ store: RunStore, config: RunConfig) async throws -> [(BatchRow, String)] {
        var out: [(BatchRow, String)] = []
        let settings = [config.backends.thinker, config.backends.scorer]
        for b in try store.batches(open: true) where b.state == .submitted {
            guard let id = b.batchID, let s = settings.first(where: { $0.name == b.backend && $0.kind == .openai }) else { continue }
            do {
                let remote = try await BackendSet.batchAPI(s).cancel(id)
                out.append((b, remote.status))
            } catch {
                out.append((b, "not cancelled: \(error)"))
            }
        }
        return out
    }
}

extension RunStore {
    /// What a stage's answered calls add up to, and how many batch files the run wrote:
    /// `bench batch`'s figures.
    package func answeredCalls(stage: StageName) throws -> (answered: Int, cost: Double, promptTokens: Int, completionTokens: Int, batchFiles: Int) {
        try read { db in
            let r = try Row.fetchOne(db, sql: """
                SELECT count(*) AS n, coalesce(sum(cost), 0) AS cost, coalesce(sum(prompt_tokens), 0) AS p,
                       coalesce(sum(completion_tokens), 0) AS c, (SELECT count(*) FROM batch) AS files
                FROM call WHERE stage = ? AND outcome = ?
                """, arguments: [stage, CallOutcome.ok])!
            return (r["n"], r["cost"], r["p"], r["c"], r["files"])
        }
    }
}
