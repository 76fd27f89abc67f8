import Foundation
import GRDB
import ThinkEditCore
import ThinkEditStore

/// What generation knows of one trajectory when it picks it up: enough to decide the next call.
struct GenerationState: Sendable {
    package var seq: Int64
    package var id: String
    package var task: String
    package var instruction: String
    package var sourceImage: ImageRecord
    package var meta: String?
    package var editor: String
    /// Committed turns in order; the last one's `image` is nil while its edit is pending.
    package var turns: [Turn]
    /// Formats of the turn images, by hash.
    var imageFormats: [String: ImageFormat]
}

extension RunStore {
    /// Creates a pending trajectory for every pool item that has none and that `include` accepts
    /// (a shard's items, when generation runs with `--shard`), in pool order, with the editor
    /// `assign` picks for its id, named as made by the generate settings `settings`. Returns how
    /// many were created.
    func createMissingTrajectories(include: (String) -> Bool = { _ in true }, settings: SettingsRecord,
                                           assign: (String) -> String) throws -> Int {
        try write { db in
            try Self.saveSettings(db, settings)
            let rows = try Row.decodeAll(db, sql: """
                SELECT p.id, p.task, p.instruction, p.image FROM pool_item p
                WHERE NOT EXISTS (SELECT 1 FROM trajectory t WHERE t.id = p.id) ORDER BY p.seq
                """) { (id: $0["id"] as String, task: $0["task"] as String, instruction: $0["instruction"] as String, image: $0["image"] as String) }
            let stmt = try RawInsert(db, """
                INSERT INTO trajectory(id, task, instruction, source_image, editor, origin, status, generate_settings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var created = 0
            for r in rows {
                guard include(r.id) else { continue }
                stmt.bind(1, r.id)
                stmt.bind(2, r.task)
                stmt.bind(3, r.instruction)
                stmt.bind(4, r.image)
                stmt.bind(5, assign(r.id))
                stmt.bind(6, TrajectoryOrigin.generated.rawValue)
                stmt.bind(7, TrajectoryStatus.pending.rawValue)
                stmt.bind(8, settings.id)
                try stmt.step()
                created += 1
            }
            if created > 0 { try Self.bumpDataVersion(db) }
            return created
        }
    }

    /// Commits the expert's new instruction for `turn` (its edit is still to come).
    func commitInstruction(seq: Int64, turn: Int, instruction: String, reasoning: String?, call: CallRecord?) async throws {
        try await commit { db in try Self.applyInstruction(db, seq: seq, turn: turn, instruction: instruction, reasoning: reasoning, call: call) }
    }

    static func applyInstruction(_ db: Database, seq: Int64, turn: Int, instruction: String, reasoning: String?, call: CallRecord?) throws {
        do {
            try db.cachedStatement(sql: "INSERT INTO turn(trajectory, turn, instruction, reasoning) VALUES (?, ?, ?, ?)")
                .execute(arguments: [seq, turn, instruction, reasoning])
            if let call { try Self.insertCall(db, call) }
        }
    }

    /// Stores the edited image of `turn` (`bytes`) and commits it with the seed sent and what the
    /// editor reports it executed (creating the turn row for an unrewritten turn 1). The file is
    /// written and flushed before the transaction that names it.
    /// With `linkingFrom`, the file is hard-linked from that store (the response cache's) instead.
    func commitEdit(seq: Int64, turn: Turn, image: ImageRecord, bytes: [UInt8], call: CallRecord?,
                            linkingFrom other: ImageStore? = nil) async throws {
        let images = self.images
        try await commit(prepare: {
            if let other, (try? images.adopt(hash: image.hash, format: image.format, from: other)) != nil {
                // linked
            } else {
                try images.put(bytes, hash: image.hash, format: image.format)
            }
            CrashPoint.here("image.stored")
        }) { db in
            try Self.insertImages(db, [image])
            try db.cachedStatement(sql: """
                INSERT INTO turn(trajectory, turn, instruction, image, seed, executed_prompt, executed_seed) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(trajectory, turn) DO UPDATE SET image = excluded.image, seed = excluded.seed,
                    executed_prompt = excluded.executed_prompt, executed_seed = excluded.executed_seed
                """).execute(arguments: [seq, turn.turn, turn.instruction, image.hash, turn.seed.map { Int64(bitPattern: $0) }, turn.executedPrompt,
                                 turn.executedSeed.map { Int64(bitPattern: $0) }])
            if let call { try Self.insertCall(db, call) }
            try Self.bumpDataVersion(db)
        }
    }

    /// Ends a trajectory: `stop` with the expert's stop reasoning, or `max_turns`.
    func commitEnd(seq: Int64, reason: EndReason, stopReasoning: String?, call: CallRecord?) async throws {
        try await commit { db in try Self.applyEnd(db, seq: seq, reason: reason, stopReasoning: stopReasoning, call: call) }
    }

    static func applyEnd(_ db: Database, seq: Int64, reason: EndReason, stopReasoning: String?, call: CallRecord?) throws {
        do {
            try db.cachedStatement(sql: """
                UPDATE trajectory SET status = ?, end_reason = ?, stop_reasoning = ?, error_class = NULL, error_message = NULL
                WHERE seq = ?
                """).execute(arguments: [TrajectoryStatus.complete, reason, stopReasoning, seq])
            if let call { try Self.insertCall(db, call) }
            try Self.bumpDataVersion(db)
        }
    }

    /// Marks a trajectory failed after a call's retries ran out.
    func markFailed(seq: Int64, errorClass: CallErrorClass, message: String, call: CallRecord?) async throws {
        try await commit { db in try Self.applyFailed(db, seq: seq, errorClass: errorClass, message: message, call: call) }
    }

    static func applyFailed(_ db: Database, seq: Int64, errorClass: CallErrorClass, message: String, call: CallRecord?) throws {
        do {
            try db.execute(sql: "UPDATE trajectory SET status = ?, error_class = ?, error_message = ? WHERE seq = ?",
                           arguments: [TrajectoryStatus.failed, errorClass, message, seq])
            if let call { try Self.insertCall(db, call) }
            try Self.bumpDataVersion(db)
        }
    }
}

/// A trajectory generation still has to work on.
struct PendingTrajectory: Sendable, Hashable {
    var seq: Int64
    var id: String

    /// Every pending trajectory, in seq order.
    static func fetchAll(_ db: Database) throws -> [PendingTrajectory] {
        try Row.decodeAll(db, sql: "SELECT seq, id FROM trajectory WHERE status = ? ORDER BY seq", arguments: [TrajectoryStatus.pending]) {
            PendingTrajectory(seq: $0["seq"], id: $0["id"])
        }
    }
}

extension GenerationState {
    /// The state of one trajectory, for generation to continue it.
    static func fetch(_ db: Database, seq: Int64) throws -> GenerationState {
        guard let r = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT t.seq, t.id, t.task, t.instruction, t.editor, p.meta, \(ImageRecord.columns(of: "i", as: "source_"))
            FROM trajectory t LEFT JOIN pool_item p ON p.id = t.id JOIN image i ON i.hash = t.source_image WHERE t.seq = ?
            """), arguments: [seq]) else {
            throw StoreError.corrupt(path: "trajectory table", reason: "trajectory \(seq) vanished")
        }
        let turns = try RunStore.turns(db, trajectorySeq: seq)
        var formats: [String: ImageFormat] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT i.hash, i.format FROM turn u JOIN image i ON i.hash = u.image WHERE u.trajectory = ?
            """), arguments: [seq]) {
            formats[row["hash"]] = try row.word("format", as: ImageFormat.self)
        }
        return GenerationState(
            seq: r["seq"], id: r["id"], task: r["task"], instruction: r["instruction"],
            sourceImage: try ImageRecord(row: r, prefix: "source_"),
            meta: r["meta"], editor: r["editor"], turns: turns, imageFormats: formats)
    }
}
