import GRDB
import ThinkEditStore

/// The counts `thinkedit status` shows, read in one snapshot.
package struct RunSnapshot: Sendable, Hashable {
    package var poolItems = 0
    package var images = 0
    /// Trajectories by status (`pending`, `complete`, `failed`).
    package var trajectories: [String: Int] = [:]
    /// Failed trajectories by error class.
    package var failures: [String: Int] = [:]
    package var turns = 0
    package var scoredTurns = 0
    package var kept = 0
    /// Dropped trajectories by reason.
    package var dropped: [String: Int] = [:]
    package var samples = 0
    /// Selected samples by split (`sft`, `rl`).
    package var split: [String: Int] = [:]
    package var calls = 0
    /// Failed call attempts by error class.
    package var callErrors: [String: Int] = [:]
    package var promptTokens = 0
    package var completionTokens = 0
    package var cost = 0.0
    package var dataVersion = 0
}

extension RunStore {
    package func snapshot() throws -> RunSnapshot {
        try read { db in
            var s = RunSnapshot()
            s.poolItems = try Int.fetchOne(db, sql: "SELECT count(*) FROM pool_item") ?? 0
            s.images = try Int.fetchOne(db, sql: "SELECT count(*) FROM image") ?? 0
            for r in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM trajectory GROUP BY status") {
                s.trajectories[r[0]] = r[1]
            }
            for r in try Row.fetchAll(db, sql: "SELECT coalesce(error_class, 'unknown'), count(*) FROM trajectory WHERE status = 'failed' GROUP BY 1") {
                s.failures[r[0]] = r[1]
            }
            s.turns = try Int.fetchOne(db, sql: "SELECT count(*) FROM turn") ?? 0
            s.scoredTurns = try Int.fetchOne(db, sql: "SELECT count(*) FROM turn WHERE overall IS NOT NULL") ?? 0
            s.kept = try Int.fetchOne(db, sql: "SELECT count(*) FROM curation WHERE kept = 1") ?? 0
            for r in try Row.fetchAll(db, sql: "SELECT drop_reason, count(*) FROM curation WHERE kept = 0 GROUP BY 1") {
                s.dropped[r[0]] = r[1]
            }
            s.samples = try Int.fetchOne(db, sql: "SELECT count(*) FROM sample") ?? 0
            for r in try Row.fetchAll(db, sql: "SELECT split, count(*) FROM split_member GROUP BY split") {
                s.split[r[0]] = r[1]
            }
            if let r = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(sum(prompt_tokens),0), coalesce(sum(completion_tokens),0), coalesce(sum(cost),0) FROM call") {
                s.calls = r[0]
                s.promptTokens = r[1]
                s.completionTokens = r[2]
                s.cost = r[3]
            }
            for r in try Row.fetchAll(db, sql: "SELECT error_class, count(*) FROM call WHERE outcome = 'error' GROUP BY 1") {
                s.callErrors[r[0] ?? "unknown"] = r[1]
            }
            s.dataVersion = try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM run_meta WHERE key = 'data_version'") ?? 0
            return s
        }
    }
}

extension RunStore {
    /// Completed calls (outcome ok) that the journal holds more than once for the same work:
    /// the same kind of call for the same trajectory and turn. Zero when no paid work was repeated.
    package func repeatedCompletedCalls() throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: """
                SELECT coalesce(sum(n - 1), 0) FROM (
                    SELECT count(*) AS n FROM call WHERE outcome = 'ok' GROUP BY kind, trajectory, turn HAVING n > 1)
                """) ?? 0
        }
    }
}
