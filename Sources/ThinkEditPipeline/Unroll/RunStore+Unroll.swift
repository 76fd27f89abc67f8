import GRDB
import ThinkEditCore
import ThinkEditStore

/// A kept trajectory as unroll reads it back.
package struct KeptRow: Sendable {
    package var seq: Int64
    package var turnCount: Int
    package var endReason: EndReason?
    package var kept: KeptTrajectory
}

extension RunStore {
    package func keptTrajectories() throws -> [KeptRow] {
        try read { db in
            let stmt = try db.makeStatement(sql: """
                SELECT c.trajectory, c.turns, t.end_reason, c.k, c.variance, c.first_overall, c.best_overall, c.min_overall
                FROM curation c JOIN trajectory t ON t.seq = c.trajectory WHERE c.kept = 1 ORDER BY c.trajectory
                """)
            let c = (seq: stmt.column("trajectory"), turns: stmt.column("turns"), endReason: stmt.column("end_reason"), k: stmt.column("k"),
                     variance: stmt.column("variance"), first: stmt.column("first_overall"), best: stmt.column("best_overall"),
                     min: stmt.column("min_overall"))
            return try Row.fetchAll(stmt).map { r in
                KeptRow(seq: r[c.seq], turnCount: r[c.turns], endReason: (r[c.endReason] as String?).flatMap(EndReason.init(rawValue:)),
                        kept: KeptTrajectory(length: r[c.k], variance: r[c.variance], firstOverall: r[c.first], bestOverall: r[c.best],
                                             minOverall: r[c.min]))
            }
        }
    }

    /// Inserts the step samples.
    static func insertSamples(_ db: Database, _ samples: [(trajectorySeq: Int64, sample: UnrolledSample)]) throws {
        do {
            let stmt = try RawInsert(db, "INSERT INTO sample(trajectory, turn, kind, critique_turn, result_turn) VALUES (?, ?, ?, ?, ?)")
            for (seq, s) in samples {
                stmt.bind(1, seq)
                stmt.bind(2, s.turn)
                stmt.bind(3, s.kind.rawValue)
                stmt.bind(4, s.critiqueTurn)
                stmt.bind(5, s.resultTurn)
                try stmt.step()
            }
        }
    }
}
