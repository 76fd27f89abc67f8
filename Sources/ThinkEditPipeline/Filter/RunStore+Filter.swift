import GRDB
import ThinkEditCore
import ThinkEditStore

extension RunStore {
    /// Every trajectory's curation input (status, end reason, scores in turn order), in `seq` order.
    package func curationInputs() throws -> (seqs: [Int64], trajectories: [CurationTrajectory]) {
        try read { db in
            var seqs: [Int64] = []
            var out: [CurationTrajectory] = []
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM trajectory") ?? 0
            seqs.reserveCapacity(count)
            out.reserveCapacity(count)
            let turns = try Row.fetchCursor(db, sql: """
                SELECT trajectory, semantic, quality, overall, overall_given, image FROM turn ORDER BY trajectory, turn
                """)
            let trajectories = try Row.fetchCursor(db, sql: "SELECT seq, id, task, status, end_reason FROM trajectory ORDER BY seq")
            var pending: (Int64, Score?)? = nil
            while let row = try trajectories.next() {
                let seq: Int64 = row[0]
                var scores: [Score?] = []
                while true {
                    if pending == nil, let r = try turns.next() {
                        var score: Score? = nil
                        let hasImage = !(r[5] as DatabaseValue).isNull
                        if hasImage, let sc = Self.number(r[1]), let pq = Self.number(r[2]) {
                            let given: Bool = r[4] ?? false
                            score = Score(semantic: sc, quality: pq, overall: given ? r[3] : nil)
                        }
                        pending = (r[0], score)
                    }
                    guard let p = pending, p.0 == seq else { break }
                    scores.append(p.1)
                    pending = nil
                }
                seqs.append(seq)
                out.append(CurationTrajectory(id: row[1], task: row[2], status: TrajectoryStatus(rawValue: row[3]) ?? .pending,
                                              endReason: (row[4] as String?).flatMap(EndReason.init(rawValue:)), scores: scores))
            }
            return (seqs, out)
        }
    }

    /// Inserts the filter's verdicts, one row per trajectory.
    static func insertCuration(_ db: Database, seqs: [Int64], turnCounts: [Int], decisions: [FilterDecision]) throws {
        do {
            let stmt = try RawInsert(db, """
                INSERT INTO curation(trajectory, turns, kept, drop_reason, k, variance, first_overall, best_overall, min_overall)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (i, d) in decisions.enumerated() {
                stmt.bind(1, seqs[i])
                stmt.bind(2, turnCounts[i])
                stmt.bind(3, d.kept != nil)
                stmt.bind(4, d.dropReason?.rawValue)
                if let k = d.kept {
                    stmt.bind(5, k.length)
                    stmt.bind(6, k.variance)
                    stmt.bind(7, k.firstOverall)
                    stmt.bind(8, k.bestOverall)
                    stmt.bind(9, k.minOverall)
                }
                try stmt.step()
            }
        }
    }
}
