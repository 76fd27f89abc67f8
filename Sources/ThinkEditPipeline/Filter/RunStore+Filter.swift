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
            let turnStatement = try db.makeStatement(sql: """
                SELECT trajectory, semantic, quality, overall, overall_given, image,
                       coalesce(executed_prompt <> instruction, 0) AS rewritten
                FROM turn ORDER BY trajectory, turn
                """)
            let u = (trajectory: turnStatement.column("trajectory"), semantic: turnStatement.column("semantic"),
                     quality: turnStatement.column("quality"), overall: turnStatement.column("overall"),
                     given: turnStatement.column("overall_given"), image: turnStatement.column("image"),
                     rewritten: turnStatement.column("rewritten"))
            let trajectoryStatement = try db.makeStatement(sql: "SELECT seq, id, task, status, end_reason FROM trajectory ORDER BY seq")
            let t = (seq: trajectoryStatement.column("seq"), id: trajectoryStatement.column("id"), task: trajectoryStatement.column("task"),
                     status: trajectoryStatement.column("status"), endReason: trajectoryStatement.column("end_reason"))
            let turns = try Row.fetchCursor(turnStatement)
            let trajectories = try Row.fetchCursor(trajectoryStatement)
            var pending: (Int64, Score?, Bool)? = nil
            while let row = try trajectories.next() {
                let seq: Int64 = row[t.seq]
                var scores: [Score?] = []
                var rewritten = false
                while true {
                    if pending == nil, let r = try turns.next() {
                        var score: Score? = nil
                        let hasImage = !(r[u.image] as DatabaseValue).isNull
                        if hasImage, let sc = Self.number(r[u.semantic]), let pq = Self.number(r[u.quality]) {
                            let given: Bool = r[u.given] ?? false
                            score = Score(semantic: sc, quality: pq, overall: given ? r[u.overall] : nil)
                        }
                        pending = (r[u.trajectory], score, r[u.rewritten])
                    }
                    guard let p = pending, p.0 == seq else { break }
                    scores.append(p.1)
                    rewritten = rewritten || p.2
                    pending = nil
                }
                let status: String = row[t.status]
                guard let known = TrajectoryStatus(rawValue: status) else {
                    throw StoreError.corrupt(path: databasePath, reason: "unknown status \"\(status)\" of trajectory \(seq)")
                }
                seqs.append(seq)
                out.append(CurationTrajectory(id: row[t.id], task: row[t.task], status: known,
                                              endReason: (row[t.endReason] as String?).flatMap(EndReason.init(rawValue:)), scores: scores,
                                              promptRewritten: rewritten))
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
