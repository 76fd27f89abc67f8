import ThinkEditCore

/// A line of the trajectory JSONL format (SPEC §4.2) as parsed, before validation. Every field is
/// optional here so that a missing one is reported by name with its line; a field of the wrong
/// type fails the parse with its name.
struct TrajectoryRow: Sendable {
    var id: String?
    var task: String?
    var instruction: String?
    var sourceImage: String?
    var editor: String?
    var endReason: String?
    var stopReasoning: String?
    var steps: [StepRow]?

    struct StepRow: Sendable {
        var turn: Int?
        var instruction: String?
        var reasoning: String?
        var image: String?
        var seed: UInt64?
        /// What the editor reported it executed (written by `trajectories export` when it did).
        var executedPrompt: String?
        var executedSeed: UInt64?
        var score: ScoreRow?
    }

    struct ScoreRow: Sendable {
        var semantic: ScoreNumber?
        var quality: ScoreNumber?
        var overall: Double?
        /// The judge's raw sub-scores (written by `trajectories export` for judged turns).
        var judge: JudgeSubScores?
        var reasoning: String?
    }

    init(json: JSONValue) throws(FieldError) {
        let f = try JSONFields(json)
        id = try f.string("id")
        task = try f.string("task")
        instruction = try f.string("instruction")
        sourceImage = try f.string("source_image")
        editor = try f.string("editor")
        endReason = try f.string("end_reason")
        stopReasoning = try f.string("stop_reasoning")
        if let items = try f.array("steps") {
            var steps: [StepRow] = []
            steps.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                let s = try JSONFields(item, path: "steps[\(i)]")
                var score: ScoreRow? = nil
                if let sc = try s.object("score") {
                    var judge: JudgeSubScores? = nil
                    if let j = try sc.object("judge") {
                        guard let a = try j.scoreNumber("success"), let b = try j.scoreNumber("over_editing"),
                              let c = try j.scoreNumber("naturalness"), let d = try j.scoreNumber("artifacts") else {
                            throw FieldError(description: "field \"\(j.path)\" needs success, over_editing, naturalness and artifacts")
                        }
                        judge = JudgeSubScores(success: a, overEditing: b, naturalness: c, artifacts: d)
                    }
                    score = ScoreRow(semantic: try sc.scoreNumber("semantic"), quality: try sc.scoreNumber("quality"),
                                     overall: try sc.double("overall"), judge: judge, reasoning: try sc.string("reasoning"))
                }
                steps.append(StepRow(turn: try s.int("turn"), instruction: try s.string("instruction"),
                                     reasoning: try s.string("reasoning"), image: try s.string("image"),
                                     seed: try s.uint64("seed"), executedPrompt: try s.string("executed_prompt"),
                                     executedSeed: try s.uint64("executed_seed"), score: score))
            }
            self.steps = steps
        }
    }
}
