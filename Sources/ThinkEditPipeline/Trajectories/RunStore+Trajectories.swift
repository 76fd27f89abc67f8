import GRDB
import ThinkEditCore
import ThinkEditStore

extension RunStore {
    /// The trajectories among `ids` that the run holds, in full.
    package func trajectories(ids: some Collection<String>) throws -> [String: Trajectory] {
        try read { db in
            var out: [String: Trajectory] = [:]
            let stmt = try db.cachedStatement(sql: "SELECT \(Self.trajectoryColumns) FROM trajectory WHERE id = ?")
            for id in ids {
                if let row = try Row.fetchOne(stmt, arguments: [id]) {
                    var t = try Self.trajectory(row)
                    t.turns = try Self.turns(db, trajectorySeq: row["seq"])
                    out[id] = t
                }
            }
            return out
        }
    }

    /// Calls `body` with every trajectory, in byte order of ids, with its turns and the format of
    /// each image it names. Reads in one snapshot; memory stays bounded by one trajectory. `body`
    /// must not call back into the store.
    func forEachTrajectory(_ body: (Trajectory, _ formats: [String: ImageFormat]) throws -> Void) throws {
        try read { db in
            let turnRows = try Row.fetchCursor(db, sql: """
                SELECT t.id, i.format, \(Self.turnColumns) FROM turn
                JOIN trajectory t ON t.seq = turn.trajectory LEFT JOIN image i ON i.hash = turn.image
                ORDER BY t.id, turn.turn
                """)
            let trajectories = try Row.fetchCursor(db, sql: """
                SELECT \(Self.trajectoryColumns), i.format FROM trajectory LEFT JOIN image i ON i.hash = trajectory.source_image
                ORDER BY id
                """)
            var pending: (id: String, format: ImageFormat?, turn: Turn)? = nil
            while let row = try trajectories.next() {
                var t = try Self.trajectory(row)
                var formats: [String: ImageFormat] = [t.sourceImage: try row.word("format", as: ImageFormat.self)]
                while true {
                    if pending == nil, let r = try turnRows.next() {
                        let turn = try Self.turn(r)
                        pending = (r["id"], turn.image == nil ? nil : try r.word("format", as: ImageFormat.self), turn)
                    }
                    guard let p = pending, p.id == t.id else { break }
                    t.turns.append(p.turn)
                    if let image = p.turn.image { formats[image] = p.format }
                    pending = nil
                }
                try body(t, formats)
            }
        }
    }

    /// Inserts imported trajectories (and the images they name) in one transaction; ids that exist
    /// are skipped (the importer has checked they are identical). Returns how many were new.
    package func insertTrajectories(images: [ImageRecord], trajectories: [Trajectory], origin: TrajectoryOrigin = .imported) throws -> Int {
        try write { db in
            try Self.insertImages(db, images)
            let tStmt = try RawInsert(db, """
                INSERT OR IGNORE INTO trajectory(id, task, instruction, source_image, editor, origin, status, end_reason, stop_reasoning, error_class)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let turnStmt = try RawInsert(db, """
                INSERT INTO turn(trajectory, turn, instruction, reasoning, image, seed, semantic, quality, overall, overall_given,
                                 sc_success, sc_overedit, semantic_reasoning, pq_natural, pq_artifacts, quality_reasoning,
                                 executed_prompt, executed_seed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var inserted = 0
            for t in trajectories {
                tStmt.bind(1, t.id)
                tStmt.bind(2, t.task)
                tStmt.bind(3, t.instruction)
                tStmt.bind(4, t.sourceImage)
                tStmt.bind(5, t.editor)
                tStmt.bind(6, origin)
                tStmt.bind(7, t.status.rawValue)
                tStmt.bind(8, t.endReason?.rawValue)
                tStmt.bind(9, t.stopReasoning)
                tStmt.bind(10, t.errorClass?.rawValue)
                guard try tStmt.step() > 0 else { continue }
                inserted += 1
                let seq = tStmt.lastInsertedRowID
                for turn in t.turns {
                    turnStmt.bind(1, seq)
                    turnStmt.bind(2, turn.turn)
                    turnStmt.bind(3, turn.instruction)
                    turnStmt.bind(4, turn.reasoning)
                    turnStmt.bind(5, turn.image)
                    if let seed = turn.seed { turnStmt.bind(6, Int64(bitPattern: seed)) }
                    if let s = turn.score {
                        turnStmt.bind(7, Self.value(s.semantic))
                        turnStmt.bind(8, Self.value(s.quality))
                        turnStmt.bind(9, s.overall)
                        turnStmt.bind(10, s.overallGiven)
                    }
                    if let j = turn.judge {
                        turnStmt.bind(11, Self.value(j.success))
                        turnStmt.bind(12, Self.value(j.overEditing))
                        turnStmt.bind(14, Self.value(j.naturalness))
                        turnStmt.bind(15, Self.value(j.artifacts))
                    }
                    turnStmt.bind(13, turn.judgeReasoning)
                    turnStmt.bind(17, turn.executedPrompt)
                    if let seed = turn.executedSeed { turnStmt.bind(18, Int64(bitPattern: seed)) }
                    try turnStmt.step()
                }
            }
            if inserted > 0 { try Self.bumpDataVersion(db) }
            return inserted
        }
    }

    func trajectoryCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM trajectory") ?? 0 }
    }

    // MARK: - Row mapping

    static let trajectoryColumns = "seq, id, task, instruction, source_image, editor, status, end_reason, stop_reasoning, error_class, generate_settings"
    static let turnColumns = """
        turn.turn, turn.instruction, turn.reasoning, turn.image, turn.seed, turn.executed_prompt, turn.executed_seed,
        turn.semantic, turn.quality, turn.overall,
        turn.overall_given, turn.sc_success, turn.sc_overedit, turn.semantic_reasoning, turn.pq_natural, turn.pq_artifacts,
        turn.quality_reasoning, turn.score_settings
        """

    /// Reads the `trajectoryColumns` of a row.
    static func trajectory(_ row: Row) throws -> Trajectory {
        let status: String = row["status"]
        guard let known = TrajectoryStatus(rawValue: status) else {
            throw StoreError.corrupt(path: "trajectory table", reason: "unknown status \"\(status)\" of trajectory \(row["id"] as String)")
        }
        var t = Trajectory(id: row["id"], task: row["task"], instruction: row["instruction"], sourceImage: row["source_image"],
                           editor: row["editor"], status: known,
                           endReason: (row["end_reason"] as String?).flatMap(EndReason.init(rawValue:)),
                           stopReasoning: row["stop_reasoning"],
                           errorClass: (row["error_class"] as String?).map { CallErrorClass(rawValue: $0) ?? .unknown })
        t.generateSettings = row["generate_settings"]
        return t
    }

    static func turns(_ db: Database, trajectorySeq: Int64) throws -> [Turn] {
        let stmt = try db.cachedStatement(sql: "SELECT \(turnColumns) FROM turn WHERE trajectory = ? ORDER BY turn")
        return try Row.decodeAll(stmt, arguments: [trajectorySeq]) { try turn($0) }
    }

    /// Reads the `turnColumns` of a row.
    static func turn(_ row: Row) throws -> Turn {
        var score: Score? = nil
        if let sc = number(row["semantic"]), let pq = number(row["quality"]) {
            let given: Bool = row["overall_given"] ?? false
            score = Score(semantic: sc, quality: pq, overall: given ? row["overall"] : nil)
        }
        var judge: JudgeSubScores? = nil
        if let a = number(row["sc_success"]), let b = number(row["sc_overedit"]), let c = number(row["pq_natural"]),
           let d = number(row["pq_artifacts"]) {
            judge = JudgeSubScores(success: a, overEditing: b, naturalness: c, artifacts: d)
        }
        let reasons = [row["semantic_reasoning"] as String?, row["quality_reasoning"] as String?].compactMap { $0 }
        var turn = Turn(turn: row["turn"], instruction: row["instruction"], reasoning: row["reasoning"], image: row["image"],
                        seed: (row["seed"] as Int64?).map { UInt64(bitPattern: $0) }, score: score, judge: judge,
                        judgeReasoning: reasons.isEmpty ? nil : reasons.joined(separator: "\n"))
        turn.executedPrompt = row["executed_prompt"]
        turn.executedSeed = (row["executed_seed"] as Int64?).map { UInt64(bitPattern: $0) }
        turn.scoreSettings = turn.score == nil ? nil : row["score_settings"]
        return turn
    }

    /// Integer scores are stored as SQLite integers, decimals as reals: the column has no type.
    static func value(_ n: ScoreNumber) -> ScoreNumberValue {
        n.isInteger ? .integer(Int64(n.value)) : .real(n.value)
    }

    static func number(_ v: DatabaseValue) -> ScoreNumber? {
        switch v.storage {
        case .int64(let i): return ScoreNumber(Int(i))
        case .double(let d): return ScoreNumber(decimal: d)
        default: return nil
        }
    }
}
