import GRDB
import ThinkEditCore
import ThinkEditStore

/// The counts `thinkedit status` shows, read in one snapshot.
package struct RunSnapshot: Sendable, Hashable {
    package var poolItems = 0
    package var images = 0
    /// Trajectories by status (`pending`, `complete`, `failed`).
    package var trajectories: [TrajectoryStatus: Int] = [:]
    /// Failed trajectories by error class.
    package var failures: [CallErrorClass: Int] = [:]
    package var turns = 0
    package var scoredTurns = 0
    /// Edited turns whose editor reports it executed a prompt other than the turn's instruction.
    package var rewrittenPromptTurns = 0
    /// Trajectories with at least one such turn.
    var rewrittenPromptTrajectories = 0
    package var kept = 0
    /// Dropped trajectories by reason.
    package var dropped: [DropReason: Int] = [:]
    package var samples = 0
    /// Selected samples by split (`sft`, `rl`).
    package var split: [DatasetSplit: Int] = [:]
    /// Calls made (attempts journaled, the cached ones not included).
    package var calls = 0
    /// Calls answered from the response cache: nothing sent, nothing paid.
    package var cachedCalls = 0
    /// Failed call attempts by error class.
    package var callErrors: [CallErrorClass: Int] = [:]
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
            s.trajectories = try Row.tally(db, sql: "SELECT status AS key, count(*) AS n FROM trajectory GROUP BY status")
            s.failures = try Row.tally(db, sql: """
                SELECT coalesce(error_class, ?) AS key, count(*) AS n FROM trajectory WHERE status = ? GROUP BY 1
                """, arguments: [CallErrorClass.unknown, TrajectoryStatus.failed])
            s.turns = try Int.fetchOne(db, sql: "SELECT count(*) FROM turn") ?? 0
            s.scoredTurns = try Int.fetchOne(db, sql: "SELECT count(*) FROM turn WHERE overall IS NOT NULL") ?? 0
            (s.rewrittenPromptTurns, s.rewrittenPromptTrajectories) = try Self.rewrittenPrompts(db)
            s.kept = try Int.fetchOne(db, sql: "SELECT count(*) FROM curation WHERE kept = 1") ?? 0
            s.dropped = try Row.tally(db, sql: "SELECT drop_reason AS key, count(*) AS n FROM curation WHERE kept = 0 GROUP BY 1")
            s.samples = try Int.fetchOne(db, sql: "SELECT count(*) FROM sample") ?? 0
            s.split = try Row.tally(db, sql: "SELECT split AS key, count(*) AS n FROM split_member GROUP BY split")
            if let r = try Row.fetchOne(db, sql: """
                SELECT sum(outcome != :cached) AS calls, sum(outcome = :cached) AS cached,
                       coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion,
                       coalesce(sum(cost), 0) AS cost FROM call
                """, arguments: ["cached": CallOutcome.cached]) {
                s.calls = r["calls"] ?? 0
                s.cachedCalls = r["cached"] ?? 0
                s.promptTokens = r["prompt"]
                s.completionTokens = r["completion"]
                s.cost = r["cost"]
            }
            s.callErrors = try Row.tally(db, sql: "SELECT coalesce(error_class, ?) AS key, count(*) AS n FROM call WHERE outcome = ? GROUP BY 1",
                                         arguments: [CallErrorClass.unknown, CallOutcome.error])
            s.dataVersion = try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM run_meta WHERE key = 'data_version'") ?? 0
            return s
        }
    }

    /// Edited turns whose editor reports it executed a prompt other than the turn's instruction,
    /// and the trajectories they are in.
    func rewrittenPrompts() throws -> (turns: Int, trajectories: Int) {
        try read { db in try Self.rewrittenPrompts(db) }
    }

    private static func rewrittenPrompts(_ db: Database) throws -> (turns: Int, trajectories: Int) {
        let r = try Row.fetchOne(db, sql: """
            SELECT count(*) AS turns, count(DISTINCT trajectory) AS trajectories FROM turn WHERE executed_prompt <> instruction
            """)
        return (r?["turns"] ?? 0, r?["trajectories"] ?? 0)
    }
}

extension RunStore {
    /// Completed calls (outcome ok) that the journal holds more than once for the same work:
    /// the same kind of call for the same trajectory and turn. Zero when no paid work was repeated.
    func repeatedCompletedCalls() throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: """
                SELECT coalesce(sum(n - 1), 0) FROM (
                    SELECT count(*) AS n FROM call WHERE outcome = ? GROUP BY kind, trajectory, turn HAVING n > 1)
                """, arguments: [CallOutcome.ok]) ?? 0
        }
    }
}
