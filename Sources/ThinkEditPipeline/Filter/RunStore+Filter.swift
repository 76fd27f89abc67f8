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
            // Two ordered scans merged by trajectory, read column by column (RawQuery).
            let turns = try RawQuery(db, """
                SELECT trajectory, semantic, quality, overall, overall_given, image IS NOT NULL,
                       coalesce(executed_prompt <> instruction, 0)
                FROM turn ORDER BY trajectory, turn
                """)
            let trajectories = try RawQuery(db, "SELECT seq, id, task, status, end_reason FROM trajectory ORDER BY seq")
            var pending: (Int64, Score?, Bool)? = nil
            while try trajectories.next() {
                let seq = trajectories.int64(0)
                var scores: [Score?] = []
                var rewritten = false
                while true {
                    if pending == nil, try turns.next() {
                        var score: Score? = nil
                        if turns.bool(5), let sc = turns.scoreNumber(1), let pq = turns.scoreNumber(2) {
                            score = Score(semantic: sc, quality: pq, overall: turns.bool(4) ? turns.optionalDouble(3) : nil)
                        }
                        pending = (turns.int64(0), score, turns.bool(6))
                    }
                    guard let p = pending, p.0 == seq else { break }
                    scores.append(p.1)
                    rewritten = rewritten || p.2
                    pending = nil
                }
                let status = trajectories.string(3)
                guard let known = TrajectoryStatus(rawValue: status) else {
                    throw StoreError.corrupt(path: databasePath, reason: "unknown status \"\(status)\" of trajectory \(seq)")
                }
                seqs.append(seq)
                out.append(CurationTrajectory(id: trajectories.string(1), task: trajectories.string(2), status: known,
                                              endReason: trajectories.optionalString(4).flatMap(EndReason.init(rawValue:)), scores: scores,
                                              promptRewritten: rewritten))
            }
            return (seqs, out)
        }
    }

    /// Inserts the filter's verdicts, one row per trajectory.
    static func insertCuration(_ db: Database, seqs: [Int64], turnCounts: [Int], decisions: [FilterDecision]) throws {
        try RawInsert.rows(db, "INSERT INTO curation(trajectory, turns, kept, drop_reason, k, variance, first_overall, best_overall, min_overall)",
                           columns: 9, count: decisions.count) { stmt, base, i in
            let d = decisions[i]
            stmt.bind(base + 1, seqs[i])
            stmt.bind(base + 2, turnCounts[i])
            stmt.bind(base + 3, d.kept != nil)
            stmt.bind(base + 4, d.dropReason?.rawValue)
            let k = d.kept
            stmt.bind(base + 5, k?.length)
            stmt.bind(base + 6, k?.variance)
            stmt.bind(base + 7, k?.firstOverall)
            stmt.bind(base + 8, k?.bestOverall)
            stmt.bind(base + 9, k?.minOverall)
        }
    }
}
