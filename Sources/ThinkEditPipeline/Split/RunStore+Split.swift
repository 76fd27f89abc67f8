import GRDB
import ThinkEditCore
import ThinkEditStore

/// A step sample as the split reads it back: its row, its trajectory and its critique overall.
struct SampleRow: Sendable {
    package var seq: Int64
    var trajectorySeq: Int64
    package var turn: Int
    package var critiqueOverall: Double
}

/// A kept trajectory as the split reads it back.
struct SplitTrajectoryRow: Sendable {
    package var seq: Int64
    package var trajectory: SplitTrajectory
}

extension RunStore {
    /// Inserts the split membership.
    static func insertSplit(_ db: Database, rl: [Int64], sft: [Int64]) throws {
        try RawInsert.rows(db, "INSERT INTO split_member(sample, split)", columns: 2, count: rl.count + sft.count) { stmt, base, i in
            let (seq, split) = i < rl.count ? (rl[i], DatasetSplit.rl) : (sft[i - rl.count], DatasetSplit.sft)
            stmt.bind(base + 1, seq)
            stmt.bind(base + 2, split.rawValue)
        }
    }
}

/// A selected sample by its id parts, and its split.
struct SplitMember: Sendable, Hashable {
    var trajectory: String
    var turn: Int
    var split: DatasetSplit

    /// Every selected sample, in byte order of trajectory id then turn.
    static func fetchAll(_ db: Database) throws -> [SplitMember] {
        try Row.fetchAll(db, sql: """
            SELECT t.id, s.turn, m.split FROM split_member m JOIN sample s ON s.seq = m.sample
            JOIN trajectory t ON t.seq = s.trajectory ORDER BY t.id, s.turn
            """).map { row in
            SplitMember(trajectory: row["id"], turn: row["turn"], split: try row.word("split"))
        }
    }
}

/// What the split reads: the kept trajectories, and their samples with critique overall scores.
struct SplitInputs {
    var trajectories: [SplitTrajectoryRow]
    var samples: [SampleRow]

    static func fetch(_ db: Database) throws -> SplitInputs {
        let kept = try RawQuery(db, """
            SELECT c.trajectory, t.id, t.task, c.variance, c.first_overall, c.min_overall
            FROM curation c JOIN trajectory t ON t.seq = c.trajectory WHERE c.kept = 1 ORDER BY c.trajectory
            """)
        let k = (seq: kept.column("trajectory"), id: kept.column("id"), task: kept.column("task"), variance: kept.column("variance"),
                 first: kept.column("first_overall"), min: kept.column("min_overall"))
        var trajectories: [SplitTrajectoryRow] = []
        while try kept.next() {
            trajectories.append(SplitTrajectoryRow(seq: kept.int64(k.seq), trajectory: SplitTrajectory(
                id: kept.string(k.id), task: kept.string(k.task), variance: kept.double(k.variance), firstOverall: kept.double(k.first),
                minOverall: kept.double(k.min))))
        }
        let sample = try RawQuery(db, """
            SELECT s.seq, s.trajectory, s.turn, u.overall FROM sample s
            JOIN turn u ON u.trajectory = s.trajectory AND u.turn = s.critique_turn ORDER BY s.seq
            """)
        let s = (seq: sample.column("seq"), trajectory: sample.column("trajectory"), turn: sample.column("turn"), overall: sample.column("overall"))
        var samples: [SampleRow] = []
        while try sample.next() {
            samples.append(SampleRow(seq: sample.int64(s.seq), trajectorySeq: sample.int64(s.trajectory), turn: sample.int(s.turn),
                                     critiqueOverall: sample.double(s.overall)))
        }
        return SplitInputs(trajectories: trajectories, samples: samples)
    }
}
