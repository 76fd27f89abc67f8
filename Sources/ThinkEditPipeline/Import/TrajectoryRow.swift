import ThinkEditCore

/// A line of the trajectory JSONL format (SPEC §4.2) as decoded, before validation. Every field is
/// optional here so that a missing one is reported by name with its line.
struct TrajectoryRow: Decodable, Sendable {
    var id: String?
    var task: String?
    var instruction: String?
    var sourceImage: String?
    var editor: String?
    var endReason: String?
    var stopReasoning: String?
    var steps: [StepRow]?

    enum CodingKeys: String, CodingKey {
        case id, task, instruction, editor, steps
        case sourceImage = "source_image"
        case endReason = "end_reason"
        case stopReasoning = "stop_reasoning"
    }

    struct StepRow: Decodable, Sendable {
        var turn: Int?
        var instruction: String?
        var reasoning: String?
        var image: String?
        var seed: UInt64?
        var score: ScoreRow?
    }

    struct ScoreRow: Decodable, Sendable {
        var semantic: ScoreNumber?
        var quality: ScoreNumber?
        var overall: Double?
        /// The judge's raw sub-scores (written by `trajectories export` for judged turns).
        var judge: JudgeRow?
        var reasoning: String?
    }

    struct JudgeRow: Decodable, Sendable {
        var success: ScoreNumber
        var overEditing: ScoreNumber
        var naturalness: ScoreNumber
        var artifacts: ScoreNumber

        enum CodingKeys: String, CodingKey {
            case success, naturalness, artifacts
            case overEditing = "over_editing"
        }
    }
}
