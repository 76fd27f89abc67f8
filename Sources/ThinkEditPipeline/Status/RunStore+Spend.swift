import GRDB
import ThinkEditCore
import ThinkEditStore

/// Money spent by one model stage so far and where it is heading: `projected` = spend / done ×
/// total, nil until some work is done.
package struct StageSpend: Sendable, Hashable {
    package var stage: String
    package var cost: Double
    package var promptTokens: Int
    package var completionTokens: Int
    /// Units finished (generate: trajectories complete or failed; score: images scored).
    package var done: Int
    /// Units the stage has in all.
    package var total: Int
    /// The spend of each backend the stage called, by name (an editor priced per image shows
    /// here beside the expert's tokens).
    package var backends: [BackendSpend] = []

    package var projected: Double? {
        done > 0 ? cost / Double(done) * Double(total) : nil
    }
}

/// What one backend cost in one stage: the sum of its calls' costs and how many calls succeeded.
package struct BackendSpend: Sendable, Hashable {
    package var backend: String
    package var cost: Double
    package var calls: Int
}

extension RunStore {
    /// The spend of `generate` and `score`, from the call journal.
    func spend() throws -> [StageSpend] {
        try read { db in
            func costs(_ stage: String) throws -> (Double, Int, Int) {
                let r = try Row.fetchOne(db, sql: """
                    SELECT coalesce(sum(cost), 0) AS cost, coalesce(sum(prompt_tokens), 0) AS prompt,
                           coalesce(sum(completion_tokens), 0) AS completion FROM call WHERE stage = ?
                    """, arguments: [stage])
                return (r?["cost"] ?? 0, r?["prompt"] ?? 0, r?["completion"] ?? 0)
            }
            let trajectories = try Int.fetchOne(db, sql: "SELECT count(*) FROM trajectory WHERE origin = ?", arguments: [TrajectoryOrigin.generated]) ?? 0
            let pool = try Int.fetchOne(db, sql: "SELECT count(*) FROM pool_item") ?? 0
            let generated = try Int.fetchOne(db, sql: "SELECT count(*) FROM trajectory WHERE origin = ? AND status <> ?",
                                             arguments: [TrajectoryOrigin.generated, TrajectoryStatus.pending]) ?? 0
            let images = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM turn u JOIN trajectory t ON t.seq = u.trajectory WHERE t.status = ? AND u.image IS NOT NULL
                """, arguments: [TrajectoryStatus.complete]) ?? 0
            let scored = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM turn u JOIN trajectory t ON t.seq = u.trajectory
                WHERE t.status = ? AND u.image IS NOT NULL AND u.overall IS NOT NULL
                """, arguments: [TrajectoryStatus.complete]) ?? 0
            func backends(_ stage: String) throws -> [BackendSpend] {
                try Row.fetchAll(db, sql: """
                    SELECT backend, coalesce(sum(cost), 0) AS cost, sum(outcome = ?) AS calls FROM call
                    WHERE stage = ? GROUP BY backend ORDER BY backend
                    """, arguments: [CallOutcome.ok, stage]).map { BackendSpend(backend: $0["backend"], cost: $0["cost"], calls: $0["calls"]) }
            }
            let g = try costs("generate"), s = try costs("score")
            return [
                StageSpend(stage: "generate", cost: g.0, promptTokens: g.1, completionTokens: g.2, done: generated, total: max(pool, trajectories),
                           backends: try backends("generate")),
                StageSpend(stage: "score", cost: s.0, promptTokens: s.1, completionTokens: s.2, done: scored, total: images,
                           backends: try backends("score")),
            ]
        }
    }
}
