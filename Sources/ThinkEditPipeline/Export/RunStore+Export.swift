import GRDB
import ThinkEditCore
import ThinkEditStore

/// One selected step sample with everything an export writes about it (SPEC §2.7, §4.4): the
/// trajectory's request, the critiqued turn (its image, instruction and score), the result turn
/// for a refine sample, the curation figures and the split.
///
/// `exportSamples(split:)` leaves the four texts empty; `exportTexts(samples:)` reads them for a
/// batch, so an export of 100k+ samples holds the texts of one batch at a time.
package struct ExportSampleRow: Sendable, Hashable {
    /// The sample's row in the database (`sample.seq`).
    package var sample: Int64
    package var trajectory: String
    package var turn: Int
    package var kind: SampleKind
    package var split: DatasetSplit
    package var task: String
    package var editor: String
    /// The user's instruction `T`.
    var originalInstruction: String
    package var sourceImage: ImageRecord
    /// `I_{t-1}` for a refine sample, `I_k` for a stop sample.
    package var inputImage: ImageRecord
    /// `T_{t-1}` (refine) or `T_k` (stop): the prompt that made the critiqued image, which is the
    /// one the editor reports it executed when that differs (`keep_rewritten_prompts`).
    package var previousInstruction: String
    /// `T_t` (refine) or `T_k` unchanged (stop).
    package var answer: String
    /// `R_t` (refine) or the trajectory's stop reasoning (stop); empty when the data has none.
    package var reasoning: String
    package var critiqueScore: Score
    /// `S_t` for a refine sample; nil for a stop sample.
    package var resultScore: Score?
    /// `V`, the population variance of `O_1..O_k`.
    var trajectoryVariance: Double
    /// `k`, the turns kept after truncation.
    var trajectoryLength: Int
    /// The editor executed a rewrite of the critiqued turn's instruction.
    package var promptRewritten = false
    /// The settings records that made the sample: the trajectory's generate record and the score
    /// record of the critiqued turn (`imported` when the data came by `trajectories import`).
    package var settings = SampleSettings(generate: SampleSettings.imported, score: SampleSettings.imported)

    /// `<trajectory id>#<t>` (SPEC §2.5).
    package var id: String { trajectory + "#" + String(turn) }

    /// The texts `exportTexts(samples:)` reads.
    package struct Texts: Sendable, Hashable {
        var originalInstruction: String
        package var previousInstruction: String
        package var answer: String
        package var reasoning: String
    }

    /// This row with its texts.
    package func with(_ t: Texts) -> ExportSampleRow {
        var row = self
        row.originalInstruction = t.originalInstruction
        row.previousInstruction = t.previousInstruction
        row.answer = t.answer
        row.reasoning = t.reasoning
        return row
    }
}

/// The settings records behind one sample or trajectory (manifest and `trajectories export`).
package struct SampleSettings: Sendable, Hashable {
    package var generate: String
    package var score: String
    /// Names the data of `trajectories import`, which no record of this run made.
    package static let imported = "imported"
}

extension ExportSampleRow {
    /// The samples the split selected for `split`, with their export fields but without their
    /// texts (instructions, answer, reasoning: read a batch at a time with
    /// `texts(_:samples:)`), sorted by sample id in byte order (SPEC §4.4). SQLite's BINARY
    /// collation compares text with memcmp, so ordering by the id text is that byte order. A
    /// selected sample whose critiqued turn has no image or no score cannot exist after filter (it
    /// drops unscored trajectories), so such rows are an error.
    static func fetchAll(_ db: Database, split: DatasetSplit) throws -> [ExportSampleRow] {
        try rows(db, condition: "m.split = ?", arguments: [split])
    }

    /// The selected sample `<trajectory>#<turn>` as the export reads it, texts included; nil when
    /// the split did not select it.
    package static func fetch(_ db: Database, trajectory: String, turn: Int) throws -> ExportSampleRow? {
        guard let row = try rows(db, condition: "t.id = ? AND s.turn = ?", arguments: [trajectory, turn]).first else { return nil }
        return try texts(db, samples: [row.sample])[row.sample].map { row.with($0) }
    }

    private static func rows(_ db: Database, condition: String, arguments: StatementArguments) throws -> [ExportSampleRow] {
        do {
            var out: [ExportSampleRow] = []
            let statement = try db.makeStatement(sql: """
                SELECT t.id, s.turn, s.kind, t.task, t.editor,
                       \(ImageRecord.columns(of: "si", as: "source_")),
                       \(ImageRecord.columns(of: "ci", as: "input_")),
                       \(Self.scoreColumns(of: "ct", as: "critique_")),
                       \(Self.scoreColumns(of: "rt", as: "result_")),
                       c.variance, c.k, s.seq, m.split, coalesce(ct.executed_prompt <> ct.instruction, 0) AS critique_rewritten,
                       t.generate_settings, ct.score_settings
                FROM split_member m
                JOIN sample s ON s.seq = m.sample
                JOIN trajectory t ON t.seq = s.trajectory
                JOIN curation c ON c.trajectory = s.trajectory
                JOIN image si ON si.hash = t.source_image
                JOIN turn ct ON ct.trajectory = s.trajectory AND ct.turn = s.critique_turn
                JOIN image ci ON ci.hash = ct.image
                LEFT JOIN turn rt ON rt.trajectory = s.trajectory AND rt.turn = s.result_turn
                WHERE \(condition)
                ORDER BY t.id || '#' || s.turn
                """)
            let c = (id: statement.column("id"), turn: statement.column("turn"), kind: statement.column("kind"), task: statement.column("task"),
                     editor: statement.column("editor"), variance: statement.column("variance"), k: statement.column("k"),
                     seq: statement.column("seq"), split: statement.column("split"), rewritten: statement.column("critique_rewritten"),
                     generateSettings: statement.column("generate_settings"), scoreSettings: statement.column("score_settings"))
            let cursor = try Row.fetchCursor(statement, arguments: arguments)
            // A run has a few settings records and 140,000 rows: each row shares its ids' text.
            var ids: [String: String] = [:]
            func shared(_ text: String?) -> String {
                guard let text else { return SampleSettings.imported }
                if let held = ids[text] { return held }
                ids[text] = text
                return text
            }
            while let r = try cursor.next() {
                let id: String = r[c.id]
                let turn: Int = r[c.turn]
                guard let kind = SampleKind(rawValue: r[c.kind]), let split = DatasetSplit(rawValue: r[c.split]) else {
                    throw StoreError.corrupt(path: "sample table", reason: "sample \(id)#\(turn) has an unknown kind or split")
                }
                guard let critique = Self.score(r, prefix: "critique_") else {
                    throw StoreError.corrupt(path: "sample table", reason: "sample \(id)#\(turn) critiques an unscored turn: run filter again")
                }
                var row = ExportSampleRow(
                    sample: r[c.seq], trajectory: id, turn: turn, kind: kind, split: split, task: r[c.task], editor: r[c.editor],
                    originalInstruction: "",
                    sourceImage: try ImageRecord(row: r, prefix: "source_"), inputImage: try ImageRecord(row: r, prefix: "input_"),
                    previousInstruction: "", answer: "", reasoning: "", critiqueScore: critique, resultScore: nil,
                    trajectoryVariance: r[c.variance], trajectoryLength: r[c.k], promptRewritten: r[c.rewritten],
                    settings: SampleSettings(generate: shared(r[c.generateSettings]), score: shared(r[c.scoreSettings])))
                if kind == .refine {
                    guard let result = Self.score(r, prefix: "result_") else {
                        throw StoreError.corrupt(path: "sample table", reason: "refine sample \(id)#\(turn) has no scored result turn: run unroll again")
                    }
                    row.resultScore = result
                }
                out.append(row)
            }
            return out
        }
    }

    /// How many samples the split selected for `split`.
    static func count(_ db: Database, split: DatasetSplit) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM split_member WHERE split = ?", arguments: [split]) ?? 0
    }

    /// Every distinct image the selected samples show (sources and critiqued images), by hash.
    static func images(_ db: Database) throws -> [ImageRecord] {
        try Row.decodeAll(db, sql: """
            SELECT i.hash, i.format, i.width, i.height, i.bytes FROM image i WHERE i.hash IN (
                SELECT t.source_image FROM split_member m JOIN sample s ON s.seq = m.sample JOIN trajectory t ON t.seq = s.trajectory
                UNION
                SELECT ct.image FROM split_member m JOIN sample s ON s.seq = m.sample
                JOIN turn ct ON ct.trajectory = s.trajectory AND ct.turn = s.critique_turn)
            ORDER BY i.hash
            """) { try ImageRecord(row: $0) }
    }

    /// The texts of the given samples (by `sample.seq`), for `fetchAll(_:split:)` rows.
    static func texts(_ db: Database, samples: [Int64]) throws -> [Int64: ExportSampleRow.Texts] {
        guard !samples.isEmpty else { return [:] }
        do {
            var out: [Int64: ExportSampleRow.Texts] = [:]
            out.reserveCapacity(samples.count)
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT s.seq, s.kind, t.instruction AS original, t.stop_reasoning, coalesce(ct.executed_prompt, ct.instruction) AS previous,
                       rt.instruction AS rewritten, rt.reasoning
                FROM sample s
                JOIN trajectory t ON t.seq = s.trajectory
                JOIN turn ct ON ct.trajectory = s.trajectory AND ct.turn = s.critique_turn
                LEFT JOIN turn rt ON rt.trajectory = s.trajectory AND rt.turn = s.result_turn
                WHERE s.seq IN (\(samples.map(String.init).joined(separator: ",")))
                """)
            while let r = try cursor.next() {
                let previous: String = r["previous"]
                let refine = (r["kind"] as String) == SampleKind.refine.rawValue
                out[r["seq"]] = ExportSampleRow.Texts(
                    originalInstruction: r["original"], previousInstruction: previous,
                    answer: refine ? ((r["rewritten"] as String?) ?? previous) : previous,
                    reasoning: (refine ? r["reasoning"] as String? : r["stop_reasoning"] as String?) ?? "")
            }
            return out
        }
    }

    /// The score columns of the turn `table`, named under `prefix`, for `score(_:prefix:)`.
    private static func scoreColumns(of table: String, as prefix: String) -> String {
        ["semantic", "quality", "overall", "overall_given"].map { "\(table).\($0) AS \(prefix)\($0)" }.joined(separator: ", ")
    }

    /// The score in the columns `<prefix>semantic`, `<prefix>quality`, `<prefix>overall` and
    /// `<prefix>overall_given`; nil when the turn has none.
    private static func score(_ row: Row, prefix: String) -> Score? {
        guard let sc = RunStore.number(row[prefix + "semantic"]), let pq = RunStore.number(row[prefix + "quality"]) else { return nil }
        let given: Bool = row[prefix + "overall_given"] ?? false
        return Score(semantic: sc, quality: pq, overall: given ? row[prefix + "overall"] : nil)
    }
}
