import GRDB
import ThinkEditCore

/// A kept trajectory as unroll reads it back.
public struct KeptRow: Sendable {
    public var seq: Int64
    public var turnCount: Int
    public var endReason: EndReason?
    public var kept: KeptTrajectory
}

/// A step sample as the split reads it back: its row, its trajectory and its critique overall.
public struct SampleRow: Sendable {
    public var seq: Int64
    public var trajectorySeq: Int64
    public var turn: Int
    public var critiqueOverall: Double
}

/// A kept trajectory as the split reads it back.
public struct SplitTrajectoryRow: Sendable {
    public var seq: Int64
    public var trajectory: SplitTrajectory
}

extension RunStore {
    // MARK: - filter

    /// Every trajectory's curation input (status, end reason, scores in turn order), in `seq` order.
    public func curationInputs() throws -> (seqs: [Int64], trajectories: [CurationTrajectory]) {
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

    /// Replaces the filter's verdicts (and clears unroll and split, which depend on them).
    public func replaceCuration(seqs: [Int64], turnCounts: [Int], decisions: [FilterDecision]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM split_member; DELETE FROM sample; DELETE FROM curation")
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

    // MARK: - unroll

    public func keptTrajectories() throws -> [KeptRow] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.trajectory, c.turns, t.end_reason, c.k, c.variance, c.first_overall, c.best_overall, c.min_overall
                FROM curation c JOIN trajectory t ON t.seq = c.trajectory WHERE c.kept = 1 ORDER BY c.trajectory
                """).map { r in
                KeptRow(seq: r[0], turnCount: r[1], endReason: (r[2] as String?).flatMap(EndReason.init(rawValue:)),
                        kept: KeptTrajectory(length: r[3], variance: r[4], firstOverall: r[5], bestOverall: r[6], minOverall: r[7]))
            }
        }
    }

    /// Replaces the step samples (and clears the split, which depends on them).
    public func replaceSamples(_ samples: [(trajectorySeq: Int64, sample: UnrolledSample)]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM split_member; DELETE FROM sample")
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

    // MARK: - split

    /// The kept trajectories and their samples with critique overall scores, as the split reads them.
    public func splitInputs() throws -> (trajectories: [SplitTrajectoryRow], samples: [SampleRow]) {
        try read { db in
            let trajectories = try Row.fetchAll(db, sql: """
                SELECT c.trajectory, t.id, t.task, c.variance, c.first_overall, c.min_overall
                FROM curation c JOIN trajectory t ON t.seq = c.trajectory WHERE c.kept = 1 ORDER BY c.trajectory
                """).map { r in
                SplitTrajectoryRow(seq: r[0], trajectory: SplitTrajectory(id: r[1], task: r[2], variance: r[3], firstOverall: r[4], minOverall: r[5]))
            }
            var samples: [SampleRow] = []
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT s.seq, s.trajectory, s.turn, u.overall FROM sample s
                JOIN turn u ON u.trajectory = s.trajectory AND u.turn = s.critique_turn ORDER BY s.seq
                """)
            while let r = try cursor.next() {
                samples.append(SampleRow(seq: r[0], trajectorySeq: r[1], turn: r[2], critiqueOverall: r[3]))
            }
            return (trajectories, samples)
        }
    }

    /// Replaces the split membership.
    public func replaceSplit(rl: [Int64], sft: [Int64]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM split_member")
            let stmt = try RawInsert(db, "INSERT INTO split_member(sample, split) VALUES (?, ?)")
            for (split, seqs) in [("rl", rl), ("sft", sft)] {
                for seq in seqs {
                    stmt.bind(1, seq)
                    stmt.bind(2, split)
                    try stmt.step()
                }
            }
        }
    }
}

extension RunStore {
    /// Every selected sample: its id parts and its split, in byte order of trajectory id then turn.
    public func splitMembership() throws -> [(trajectory: String, turn: Int, split: String)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.id, s.turn, m.split FROM split_member m JOIN sample s ON s.seq = m.sample
                JOIN trajectory t ON t.seq = s.trajectory ORDER BY t.id, s.turn
                """).map { (trajectory: $0[0], turn: $0[1], split: $0[2]) }
        }
    }
}
