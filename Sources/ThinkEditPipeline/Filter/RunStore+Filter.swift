import GRDB
import ThinkEditCore
import ThinkEditStore

extension RunStore {
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

/// What the filter reads: every trajectory's curation input (status, end reason, scores in turn
/// order) and its row number, in seq order.
struct CurationInputs {
    var seqs: [Int64]
    var trajectories: [CurationTrajectory]

    static func fetch(_ db: Database) throws -> CurationInputs {
        var seqs: [Int64] = []
        var out: [CurationTrajectory] = []
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM trajectory") ?? 0
        seqs.reserveCapacity(count)
        out.reserveCapacity(count)
        // Two ordered scans merged by trajectory, read column by column (RawQuery).
        let turns = try RawQuery(db, """
            SELECT trajectory, semantic, quality, overall, overall_given, image IS NOT NULL AS edited,
                   coalesce(executed_prompt <> instruction, 0) AS rewritten
            FROM turn ORDER BY trajectory, turn
            """)
        let u = (trajectory: turns.column("trajectory"), semantic: turns.column("semantic"), quality: turns.column("quality"),
                 overall: turns.column("overall"), given: turns.column("overall_given"), edited: turns.column("edited"),
                 rewritten: turns.column("rewritten"))
        let trajectories = try RawQuery(db, "SELECT seq, id, task, status, end_reason FROM trajectory ORDER BY seq")
        let t = (seq: trajectories.column("seq"), id: trajectories.column("id"), task: trajectories.column("task"),
                 status: trajectories.column("status"), endReason: trajectories.column("end_reason"))
        var pending: (Int64, Score?, Bool)? = nil
        while try trajectories.next() {
            let seq = trajectories.int64(t.seq)
            var scores: [Score?] = []
            var rewritten = false
            while true {
                if pending == nil, try turns.next() {
                    var score: Score? = nil
                    if turns.bool(u.edited), let sc = turns.scoreNumber(u.semantic), let pq = turns.scoreNumber(u.quality) {
                        score = Score(semantic: sc, quality: pq, overall: turns.bool(u.given) ? turns.optionalDouble(u.overall) : nil)
                    }
                    pending = (turns.int64(u.trajectory), score, turns.bool(u.rewritten))
                }
                guard let p = pending, p.0 == seq else { break }
                scores.append(p.1)
                rewritten = rewritten || p.2
                pending = nil
            }
            guard let status: TrajectoryStatus = try trajectories.word(t.status) else {
                throw StoreError.corrupt(path: "trajectory table", reason: "trajectory \(seq) has no status")
            }
            seqs.append(seq)
            out.append(CurationTrajectory(id: trajectories.string(t.id), task: trajectories.string(t.task), status: status,
                                          endReason: try trajectories.word(t.endReason), scores: scores,
                                          promptRewritten: rewritten))
        }
        return CurationInputs(seqs: seqs, trajectories: out)
    }
}
