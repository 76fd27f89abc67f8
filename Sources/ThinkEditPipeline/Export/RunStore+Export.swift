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
    package var originalInstruction: String
    package var sourceImage: ImageRecord
    /// `I_{t-1}` for a refine sample, `I_k` for a stop sample.
    package var inputImage: ImageRecord
    /// `T_{t-1}` (refine) or `T_k` (stop).
    package var previousInstruction: String
    /// `T_t` (refine) or `T_k` unchanged (stop).
    package var answer: String
    /// `R_t` (refine) or the trajectory's stop reasoning (stop); empty when the data has none.
    package var reasoning: String
    package var critiqueScore: Score
    /// `S_t` for a refine sample; nil for a stop sample.
    package var resultScore: Score?
    /// `V`, the population variance of `O_1..O_k`.
    package var trajectoryVariance: Double
    /// `k`, the turns kept after truncation.
    package var trajectoryLength: Int

    /// `<trajectory id>#<t>` (SPEC §2.5).
    package var id: String { trajectory + "#" + String(turn) }

    /// The texts `exportTexts(samples:)` reads.
    package struct Texts: Sendable, Hashable {
        package var originalInstruction: String
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

extension RunStore {
    /// The samples the split selected for `split`, with their export fields but without their
    /// texts (instructions, answer, reasoning: read a batch at a time with
    /// `exportTexts(samples:)`), sorted by sample id in byte order (SPEC §4.4). SQLite's BINARY
    /// collation compares text with memcmp, so ordering by the id text is that byte order. A
    /// selected sample whose critiqued turn has no image or no score cannot exist after filter (it
    /// drops unscored trajectories), so such rows are an error.
    package func exportSamples(split: DatasetSplit) throws -> [ExportSampleRow] {
        try read { db in
            var out: [ExportSampleRow] = []
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT t.id, s.turn, s.kind, t.task, t.editor,
                       si.hash, si.format, si.width, si.height, si.bytes,
                       ci.hash, ci.format, ci.width, ci.height, ci.bytes,
                       ct.semantic, ct.quality, ct.overall, ct.overall_given,
                       rt.semantic, rt.quality, rt.overall, rt.overall_given,
                       c.variance, c.k, s.seq
                FROM split_member m
                JOIN sample s ON s.seq = m.sample
                JOIN trajectory t ON t.seq = s.trajectory
                JOIN curation c ON c.trajectory = s.trajectory
                JOIN image si ON si.hash = t.source_image
                JOIN turn ct ON ct.trajectory = s.trajectory AND ct.turn = s.critique_turn
                JOIN image ci ON ci.hash = ct.image
                LEFT JOIN turn rt ON rt.trajectory = s.trajectory AND rt.turn = s.result_turn
                WHERE m.split = ?
                ORDER BY t.id || '#' || s.turn
                """, arguments: [split.rawValue])
            while let r = try cursor.next() {
                let id: String = r[0]
                let turn: Int = r[1]
                guard let kind = SampleKind(rawValue: r[2]) else {
                    throw StoreError.corrupt(path: databasePath, reason: "sample \(id)#\(turn) has an unknown kind")
                }
                guard let critique = Self.score(r, at: 15) else {
                    throw StoreError.corrupt(path: databasePath, reason: "sample \(id)#\(turn) critiques an unscored turn: run filter again")
                }
                var row = ExportSampleRow(
                    sample: r[25], trajectory: id, turn: turn, kind: kind, split: split, task: r[3], editor: r[4], originalInstruction: "",
                    sourceImage: ImageRecord(hash: r[5], format: r[6], width: r[7], height: r[8], bytes: r[9]),
                    inputImage: ImageRecord(hash: r[10], format: r[11], width: r[12], height: r[13], bytes: r[14]),
                    previousInstruction: "", answer: "", reasoning: "", critiqueScore: critique, resultScore: nil,
                    trajectoryVariance: r[23], trajectoryLength: r[24])
                if kind == .refine {
                    guard let result = Self.score(r, at: 19) else {
                        throw StoreError.corrupt(path: databasePath, reason: "refine sample \(id)#\(turn) has no scored result turn: run unroll again")
                    }
                    row.resultScore = result
                }
                out.append(row)
            }
            return out
        }
    }

    /// How many samples the split selected for `split`.
    package func sampleCount(split: DatasetSplit) throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM split_member WHERE split = ?", arguments: [split.rawValue]) ?? 0 }
    }

    /// Every distinct image the selected samples show (sources and critiqued images), by hash.
    package func exportImages() throws -> [ImageRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.hash, i.format, i.width, i.height, i.bytes FROM image i WHERE i.hash IN (
                    SELECT t.source_image FROM split_member m JOIN sample s ON s.seq = m.sample JOIN trajectory t ON t.seq = s.trajectory
                    UNION
                    SELECT ct.image FROM split_member m JOIN sample s ON s.seq = m.sample
                    JOIN turn ct ON ct.trajectory = s.trajectory AND ct.turn = s.critique_turn)
                ORDER BY i.hash
                """).map { r in ImageRecord(hash: r[0], format: r[1], width: r[2], height: r[3], bytes: r[4]) }
        }
    }

    /// The texts of the given samples (by `sample.seq`), for `exportSamples(split:)` rows.
    package func exportTexts(samples: [Int64]) throws -> [Int64: ExportSampleRow.Texts] {
        guard !samples.isEmpty else { return [:] }
        return try read { db in
            var out: [Int64: ExportSampleRow.Texts] = [:]
            out.reserveCapacity(samples.count)
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT s.seq, s.kind, t.instruction, t.stop_reasoning, ct.instruction, rt.instruction, rt.reasoning
                FROM sample s
                JOIN trajectory t ON t.seq = s.trajectory
                JOIN turn ct ON ct.trajectory = s.trajectory AND ct.turn = s.critique_turn
                LEFT JOIN turn rt ON rt.trajectory = s.trajectory AND rt.turn = s.result_turn
                WHERE s.seq IN (\(samples.map(String.init).joined(separator: ",")))
                """)
            while let r = try cursor.next() {
                let previous: String = r[4]
                let refine = (r[1] as String) == SampleKind.refine.rawValue
                out[r[0]] = ExportSampleRow.Texts(
                    originalInstruction: r[2], previousInstruction: previous,
                    answer: refine ? ((r[5] as String?) ?? previous) : previous,
                    reasoning: (refine ? r[6] as String? : r[3] as String?) ?? "")
            }
            return out
        }
    }

    /// The score in columns semantic, quality, overall, overall_given starting at `i`.
    private static func score(_ row: Row, at i: Int) -> Score? {
        guard let sc = number(row[i]), let pq = number(row[i + 1]) else { return nil }
        let given: Bool = row[i + 3] ?? false
        return Score(semantic: sc, quality: pq, overall: given ? row[i + 2] : nil)
    }
}
