import GRDB
import ThinkEditCore
import ThinkEditStore

/// A step sample as the split reads it back: its row, its trajectory and its critique overall.
package struct SampleRow: Sendable {
    package var seq: Int64
    package var trajectorySeq: Int64
    package var turn: Int
    package var critiqueOverall: Double
}

/// A kept trajectory as the split reads it back.
package struct SplitTrajectoryRow: Sendable {
    package var seq: Int64
    package var trajectory: SplitTrajectory
}

extension RunStore {
    /// The kept trajectories and their samples with critique overall scores, as the split reads them.
    package func splitInputs() throws -> (trajectories: [SplitTrajectoryRow], samples: [SampleRow]) {
        try read { db in
            let kept = try db.makeStatement(sql: """
                SELECT c.trajectory, t.id, t.task, c.variance, c.first_overall, c.min_overall
                FROM curation c JOIN trajectory t ON t.seq = c.trajectory WHERE c.kept = 1 ORDER BY c.trajectory
                """)
            let k = (seq: kept.column("trajectory"), id: kept.column("id"), task: kept.column("task"), variance: kept.column("variance"),
                     first: kept.column("first_overall"), min: kept.column("min_overall"))
            let trajectories = try Row.fetchAll(kept).map { r in
                SplitTrajectoryRow(seq: r[k.seq], trajectory: SplitTrajectory(id: r[k.id], task: r[k.task], variance: r[k.variance],
                                                                              firstOverall: r[k.first], minOverall: r[k.min]))
            }
            var samples: [SampleRow] = []
            let sampleStatement = try db.makeStatement(sql: """
                SELECT s.seq, s.trajectory, s.turn, u.overall FROM sample s
                JOIN turn u ON u.trajectory = s.trajectory AND u.turn = s.critique_turn ORDER BY s.seq
                """)
            let c = (seq: sampleStatement.column("seq"), trajectory: sampleStatement.column("trajectory"), turn: sampleStatement.column("turn"),
                     overall: sampleStatement.column("overall"))
            let cursor = try Row.fetchCursor(sampleStatement)
            while let r = try cursor.next() {
                samples.append(SampleRow(seq: r[c.seq], trajectorySeq: r[c.trajectory], turn: r[c.turn], critiqueOverall: r[c.overall]))
            }
            return (trajectories, samples)
        }
    }

    /// Inserts the split membership.
    static func insertSplit(_ db: Database, rl: [Int64], sft: [Int64]) throws {
        do {
            let stmt = try RawInsert(db, "INSERT INTO split_member(sample, split) VALUES (?, ?)")
            for (split, seqs) in [(DatasetSplit.rl, rl), (.sft, sft)] {
                for seq in seqs {
                    stmt.bind(1, seq)
                    stmt.bind(2, split.rawValue)
                    try stmt.step()
                }
            }
        }
    }

    /// Every selected sample: its id parts and its split, in byte order of trajectory id then turn.
    package func splitMembership() throws -> [(trajectory: String, turn: Int, split: DatasetSplit)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.id, s.turn, m.split FROM split_member m JOIN sample s ON s.seq = m.sample
                JOIN trajectory t ON t.seq = s.trajectory ORDER BY t.id, s.turn
                """).map { row in
                let split: String = row["split"]
                guard let known = DatasetSplit(rawValue: split) else {
                    throw StoreError.corrupt(path: databasePath, reason: "unknown split \"\(split)\" in split_member")
                }
                return (trajectory: row["id"], turn: row["turn"], split: known)
            }
        }
    }
}
