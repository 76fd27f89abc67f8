import GRDB
import ThinkEditCore
import ThinkEditStore

/// One edited image waiting for the judge, with what the judge needs to see.
struct ScoreWork: Sendable {
    package var seq: Int64
    package var trajectoryID: String
    package var task: String
    /// The ORIGINAL instruction `T` (SPEC §2.3: never `T_t`).
    package var instruction: String
    package var sourceImage: ImageRecord
    package var meta: String?
    package var turn: Int
    package var image: ImageRecord
    var needsSemantic: Bool
    var needsQuality: Bool
}

extension RunStore {
    /// Commits one judge answer (through the group commit); when both aspects are in, the turn
    /// gets SC = min, PQ = min and O = sqrt(SC * PQ).
    func commitJudgement(seq: Int64, turn: Int, semantic: Bool, scores: (ScoreNumber, ScoreNumber), reasoning: String,
                                call: CallRecord?) async throws {
        try await commit { db in
            try Self.applyJudgement(db, seq: seq, turn: turn, semantic: semantic, scores: scores, reasoning: reasoning, call: call)
        }
    }

    /// `commitJudgement` inside a transaction the caller holds (batch mode commits many at once).
    static func applyJudgement(_ db: Database, seq: Int64, turn: Int, semantic: Bool, scores: (ScoreNumber, ScoreNumber), reasoning: String,
                               call: CallRecord?) throws {
        do {
            let columns = semantic ? ("sc_success", "sc_overedit", "semantic_reasoning") : ("pq_natural", "pq_artifacts", "quality_reasoning")
            let stmt = try RawInsert(cached: db, "UPDATE turn SET \(columns.0) = ?, \(columns.1) = ?, \(columns.2) = ? WHERE trajectory = ? AND turn = ?")
            stmt.bind(1, Self.value(scores.0))
            stmt.bind(2, Self.value(scores.1))
            stmt.bind(3, reasoning)
            stmt.bind(4, seq)
            stmt.bind(5, turn)
            try stmt.step()
            if let r = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT sc_success, sc_overedit, pq_natural, pq_artifacts FROM turn WHERE trajectory = ? AND turn = ?
                """), arguments: [seq, turn]),
               let a = Self.number(r["sc_success"]), let b = Self.number(r["sc_overedit"]), let c = Self.number(r["pq_natural"]),
               let d = Self.number(r["pq_artifacts"]) {
                let score = JudgeSubScores(success: a, overEditing: b, naturalness: c, artifacts: d).score
                let update = try RawInsert(cached: db, "UPDATE turn SET semantic = ?, quality = ?, overall = ?, overall_given = 0 WHERE trajectory = ? AND turn = ?")
                update.bind(1, Self.value(score.semantic))
                update.bind(2, Self.value(score.quality))
                update.bind(3, score.overall)
                update.bind(4, seq)
                update.bind(5, turn)
                try update.step()
                try Self.bumpDataVersion(db)
            }
            if let call { try Self.insertCall(db, call) }
        }
    }

    /// Marks a trajectory's scoring failed (its unscored turns wait for `retry-failed`).
    func markScoreFailed(seq: Int64, errorClass: CallErrorClass, message: String, call: CallRecord?) async throws {
        try await commit { db in try Self.applyScoreFailure(db, seq: seq, errorClass: errorClass, message: message, call: call) }
    }

    static func applyScoreFailure(_ db: Database, seq: Int64, errorClass: CallErrorClass, message: String, call: CallRecord?) throws {
        do {
            try db.execute(sql: "UPDATE trajectory SET score_error_class = ?, score_error_message = ? WHERE seq = ?",
                           arguments: [errorClass.rawValue, message, seq])
            if let call { try Self.insertCall(db, call) }
        }
    }
}

extension ScoreWork {
    /// The trajectory id of every image `page(_:after:limit:)` would give, one entry per image.
    static func trajectoryIDs(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT t.id FROM turn u JOIN trajectory t ON t.seq = u.trajectory
            WHERE t.status = :complete AND t.score_error_class IS NULL AND u.overall IS NULL
            """, arguments: ["complete": TrajectoryStatus.complete])
    }

    /// Edited images of complete trajectories that have no score yet, in (seq, turn) order, at
    /// most `limit` of them after the (seq, turn) `after`; trajectories whose scoring failed wait
    /// for `retry-failed`. A run of 100k trajectories has several hundred thousand images to
    /// score; a page at a time keeps their instructions and metadata out of memory.
    static func page(_ db: Database, after: (seq: Int64, turn: Int)?, limit: Int) throws -> [ScoreWork] {
        try Row.decodeAll(db, sql: """
            SELECT t.seq, t.id, t.task, t.instruction, p.meta, u.turn,
                   \(ImageRecord.columns(of: "s", as: "source_")),
                   \(ImageRecord.columns(of: "i", as: "edit_")),
                   u.sc_success IS NULL AS needs_semantic, u.pq_natural IS NULL AS needs_quality
            FROM turn u JOIN trajectory t ON t.seq = u.trajectory
            LEFT JOIN pool_item p ON p.id = t.id
            JOIN image s ON s.hash = t.source_image JOIN image i ON i.hash = u.image
            WHERE t.status = :complete AND t.score_error_class IS NULL AND u.overall IS NULL
              AND (u.trajectory > :seq OR (u.trajectory = :seq AND u.turn > :turn))
            ORDER BY u.trajectory, u.turn
            LIMIT :limit
            """, arguments: ["complete": TrajectoryStatus.complete, "seq": after?.seq ?? Int64.min, "turn": after?.turn ?? Int.min, "limit": limit]) { r in
            ScoreWork(seq: r["seq"], trajectoryID: r["id"], task: r["task"], instruction: r["instruction"],
                      sourceImage: try ImageRecord(row: r, prefix: "source_"), meta: r["meta"],
                      turn: r["turn"], image: try ImageRecord(row: r, prefix: "edit_"),
                      needsSemantic: r["needs_semantic"], needsQuality: r["needs_quality"])
        }
    }
}
