/// Why a trajectory ended (SPEC §2.2).
package enum EndReason: String, Sendable, Hashable, CaseIterable {
    /// The expert said the edit is good enough.
    case stop
    /// The editor was called `max_turns` times.
    case maxTurns = "max_turns"
}

/// Where a trajectory came from (`trajectory.origin`).
package enum TrajectoryOrigin: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Made by generate from a pool item.
    case generated
    /// Read by `trajectories import` (or merged from a shard that imported it).
    case imported

    package var description: String { rawValue }
}

/// Where a trajectory stands in generation.
package enum TrajectoryStatus: String, Sendable, Hashable, CaseIterable {
    /// Waiting for (more) model calls.
    case pending
    /// Every call is done: the trajectory has its end reason.
    case complete
    /// A call's retries were exhausted; `errorClass` says why. `retry-failed` puts it back.
    case failed
}

/// One turn of the think-while-edit loop: the instruction `T_t` sent to the editor, the expert's
/// reasoning `R_t` that produced it (none on turn 1 unless the first turn was rewritten), the edited
/// image `I_t` and its score `S_t`.
package struct Turn: Sendable, Hashable {
    /// 1-based turn number `t`.
    package var turn: Int
    package var instruction: String
    package var reasoning: String?
    /// Content hash of the edited image; nil while the expert's instruction is committed and its
    /// edit is not yet.
    package var image: String?
    /// Seed of the editor call that made `image`, when it was generated here.
    package var seed: UInt64?
    /// The prompt the editor reports it executed, when it reports one. When it differs from
    /// `instruction`, the editor rewrote the instruction before editing (`promptRewritten`).
    package var executedPrompt: String?
    /// The seed the editor reports it used, when it reports one.
    package var executedSeed: UInt64?
    package var score: Score?
    /// The judge's raw sub-scores, when the judge of this run scored the image.
    package var judge: JudgeSubScores?
    /// The judge's reasoning text.
    package var judgeReasoning: String?
    /// The score settings record the turn was judged under; nil for scores that came by import.
    package var scoreSettings: String?

    package init(
        turn: Int, instruction: String, reasoning: String? = nil, image: String?,
        seed: UInt64? = nil, score: Score? = nil, judge: JudgeSubScores? = nil, judgeReasoning: String? = nil
    ) {
        self.turn = turn
        self.instruction = instruction
        self.reasoning = reasoning
        self.image = image
        self.seed = seed
        self.score = score
        self.judge = judge
        self.judgeReasoning = judgeReasoning
    }

    /// The editor executed a prompt other than `instruction`: the pair (instruction, image) is
    /// not what happened.
    package var promptRewritten: Bool {
        executedPrompt.map { $0 != instruction } ?? false
    }
}

/// A whole trajectory: the pool item it started from and its turns in order.
package struct Trajectory: Sendable, Hashable {
    package var id: String
    package var task: String
    /// The user's original instruction `T`: the goal every turn is scored against.
    package var instruction: String
    /// Content hash of the source image `Isrc`.
    package var sourceImage: String
    /// Name of the editor that made every turn.
    package var editor: String
    package var status: TrajectoryStatus
    package var endReason: EndReason?
    /// The expert's last answer when it said "satisfied" (the stop sample's target reasoning).
    package var stopReasoning: String?
    package var errorClass: CallErrorClass?
    package var turns: [Turn]
    /// The generate settings record that made the trajectory; nil for imported ones.
    package var generateSettings: String?

    package init(
        id: String, task: String, instruction: String, sourceImage: String, editor: String,
        status: TrajectoryStatus = .complete, endReason: EndReason? = nil, stopReasoning: String? = nil,
        errorClass: CallErrorClass? = nil, turns: [Turn] = []
    ) {
        self.id = id
        self.task = task
        self.instruction = instruction
        self.sourceImage = sourceImage
        self.editor = editor
        self.status = status
        self.endReason = endReason
        self.stopReasoning = stopReasoning
        self.errorClass = errorClass
        self.turns = turns
    }
}
