import GRDB
import ThinkEditCore
import ThinkEditStore

extension RunStore {
    /// Puts failed trajectories (generation) and failed scorings back in the queue; `classes`
    /// limits it to those error classes. Returns (trajectories, scorings) re-queued. Their failed
    /// batch requests are marked `retried`, so batch mode gives them a fresh set of retries.
    package func retryFailed(classes: Set<CallErrorClass>?) throws -> (generation: Int, scoring: Int) {
        try write { db in
            var gen = 0, score = 0
            for (column, setSQL) in [("error_class", "status = 'pending', error_class = NULL, error_message = NULL"),
                                     ("score_error_class", "score_error_class = NULL, score_error_message = NULL")] {
                let filter = column == "error_class" ? "status = 'failed'" : "score_error_class IS NOT NULL"
                let kinds = column == "error_class" ? "kind = 'think'" : "kind LIKE 'judge_%'"
                if let classes {
                    for c in classes.map(\.rawValue).sorted() {
                        try db.execute(sql: """
                            UPDATE batch_request SET state = 'retried' WHERE state = 'failed' AND \(kinds)
                              AND trajectory IN (SELECT seq FROM trajectory WHERE \(filter) AND \(column) = ?)
                            """, arguments: [c])
                        try db.execute(sql: "UPDATE trajectory SET \(setSQL) WHERE \(filter) AND \(column) = ?", arguments: [c])
                        if column == "error_class" { gen += db.changesCount } else { score += db.changesCount }
                    }
                } else {
                    try db.execute(sql: """
                        UPDATE batch_request SET state = 'retried' WHERE state = 'failed' AND \(kinds)
                          AND trajectory IN (SELECT seq FROM trajectory WHERE \(filter))
                        """)
                    try db.execute(sql: "UPDATE trajectory SET \(setSQL) WHERE \(filter)")
                    if column == "error_class" { gen += db.changesCount } else { score += db.changesCount }
                }
            }
            if gen + score > 0 { try Self.bumpDataVersion(db) }
            return (gen, score)
        }
    }
}
