/// The part of a trajectory the curation rules read, one row per trajectory, cheap to fill from the
/// run database: no texts, no images.
///
/// `scores[i]` is the score `S_{i+1}` of turn `i + 1` (turn order); `nil` means the turn has no
/// score yet. `task` must already be resolved through the run's taxonomy.
package struct CurationTrajectory: Sendable, Hashable {
    package var id: String
    package var task: String
    package var status: TrajectoryStatus
    package var endReason: EndReason?
    package var scores: [Score?]
    /// Some turn's editor executed a prompt other than the turn's instruction (`Turn.promptRewritten`).
    package var promptRewritten: Bool

    package init(id: String, task: String, status: TrajectoryStatus = .complete, endReason: EndReason?, scores: [Score?],
                 promptRewritten: Bool = false) {
        self.id = id
        self.task = task
        self.status = status
        self.endReason = endReason
        self.scores = scores
        self.promptRewritten = promptRewritten
    }

    /// Takes the curation row out of a whole trajectory.
    package init(_ trajectory: Trajectory) {
        self.init(
            id: trajectory.id, task: trajectory.task, status: trajectory.status,
            endReason: trajectory.endReason, scores: trajectory.turns.map(\.score),
            promptRewritten: trajectory.turns.contains { $0.promptRewritten }
        )
    }
}

/// Why the filter stage dropped a trajectory (SPEC §2.4). The raw values are the names stored in the
/// database and shown by `status`.
///
/// When several reasons apply, the first in declaration order is reported (see `TrajectoryFilter`).
package enum DropReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// Generation gave up on it (`status = failed`); `retry-failed` can bring it back.
    case failed
    /// Generation has not finished it (`status = pending`). Not one of the SPEC's final reasons: a
    /// filter run before generation ends sees such rows, and a later filter run judges them.
    case pending
    /// An editor executed a prompt other than the turn's instruction (a server that polishes
    /// prompts): its (instruction, image) pairs are not what happened. Kept instead when the
    /// config says `keep_rewritten_prompts: true`.
    case editorRewrotePrompt = "editor_rewrote_prompt"
    /// It has no turns, or a turn without a score: the score stage has work left.
    case unscored
    /// One turn only: there is no refinement step to learn from.
    case singleTurn = "single_turn"
    /// Every later turn scored below the first: the loop made the edit worse.
    case noImprovement = "no_improvement"
}
