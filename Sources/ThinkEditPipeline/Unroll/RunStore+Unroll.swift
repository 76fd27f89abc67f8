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
    /// Inserts the step samples.
    static func insertSamples(_ db: Database, _ samples: [(trajectorySeq: Int64, sample: UnrolledSample)]) throws {
        try RawInsert.rows(db, "INSERT INTO sample(trajectory, turn, kind, critique_turn, result_turn)", columns: 5, count: samples.count) { stmt, base, i in
            let (seq, s) = samples[i]
            stmt.bind(base + 1, seq)
            stmt.bind(base + 2, s.turn)
            stmt.bind(base + 3, s.kind.rawValue)
            stmt.bind(base + 4, s.critiqueTurn)
            stmt.bind(base + 5, s.resultTurn)
        }
    }
}

extension KeptRow {
    /// Every kept trajectory with its curation values, in seq order.
    static func fetchAll(_ db: Database) throws -> [KeptRow] {
        let q = try RawQuery(db, """
            SELECT c.trajectory, c.turns, t.end_reason, c.k, c.variance, c.first_overall, c.best_overall, c.min_overall
            FROM curation c JOIN trajectory t ON t.seq = c.trajectory WHERE c.kept = 1 ORDER BY c.trajectory
            """)
        let c = (seq: q.column("trajectory"), turns: q.column("turns"), endReason: q.column("end_reason"), k: q.column("k"),
                 variance: q.column("variance"), first: q.column("first_overall"), best: q.column("best_overall"), min: q.column("min_overall"))
        var rows: [KeptRow] = []
        while try q.next() {
            rows.append(KeptRow(seq: q.int64(c.seq), turnCount: q.int(c.turns), endReason: try q.word(c.endReason),
                                kept: KeptTrajectory(length: q.int(c.k), variance: q.double(c.variance), firstOverall: q.double(c.first),
                                                     bestOverall: q.double(c.best), minOverall: q.double(c.min))))
        }
        return rows
    }
}
