import GRDB
import ThinkEditCore
import ThinkEditStore

extension RunStore {
    /// Puts failed trajectories (generation) and failed scorings back in the queue; `classes`
    /// limits it to those error classes. Returns (trajectories, scorings) re-queued. Their failed
    /// batch requests are marked `retried`, so batch mode gives them a fresh set of retries.
    package func retryFailed(classes: Set<CallErrorClass>?) throws -> (generation: Int, scoring: Int) {
        try write { db in
            // Generation: failed trajectories go back to pending; their expert requests are retried.
            let generation = try Self.requeue(db, column: "error_class", failed: "status = :failed",
                                              reset: "status = :pending, error_class = NULL, error_message = NULL",
                                              kinds: [.think], classes: classes)
            // Scoring: the failure is cleared; the judge's requests are retried.
            let scoring = try Self.requeue(db, column: "score_error_class", failed: "score_error_class IS NOT NULL",
                                           reset: "score_error_class = NULL, score_error_message = NULL",
                                           kinds: [.judgeSemantic, .judgeQuality], classes: classes)
            if generation + scoring > 0 { try Self.bumpDataVersion(db) }
            return (generation, scoring)
        }
    }

    /// Re-queues the trajectories `failed` selects (only those whose `column` is one of `classes`,
    /// when given): their failed batch requests of `kinds` become `retried`, then `reset` applies.
    /// Returns how many trajectories it re-queued.
    private static func requeue(_ db: Database, column: String, failed: String, reset: String, kinds: [CallKind],
                                classes: Set<CallErrorClass>?) throws -> Int {
        var arguments: StatementArguments = ["failed": TrajectoryStatus.failed, "pending": TrajectoryStatus.pending,
                                             "retried": BatchRequestState.retried, "requestFailed": BatchRequestState.failed]
        let kindNames = kinds.indices.map { ":kind\($0)" }.joined(separator: ", ")
        for (i, k) in kinds.enumerated() { arguments += ["kind\(i)": k] }
        var which = failed
        if let classes {
            let listed = classes.sorted { $0.rawValue < $1.rawValue }
            which += " AND \(column) IN (\(listed.indices.map { ":class\($0)" }.joined(separator: ", ")))"
            for (i, c) in listed.enumerated() { arguments += ["class\(i)": c] }
        }
        try db.execute(sql: """
            UPDATE batch_request SET state = :retried WHERE state = :requestFailed AND kind IN (\(kindNames))
              AND trajectory IN (SELECT seq FROM trajectory WHERE \(which))
            """, arguments: arguments)
        try db.execute(sql: "UPDATE trajectory SET \(reset) WHERE \(which)", arguments: arguments)
        return db.changesCount
    }
}
