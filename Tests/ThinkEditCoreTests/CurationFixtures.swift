import Testing
@testable import ThinkEditCore

/// A score with the given overall (and SC = PQ = the same number), so a test states O directly.
func score(_ overall: Double) -> Score {
    Score(semantic: ScoreNumber(overall, integer: true), quality: ScoreNumber(overall, integer: true), overall: overall)
}

/// A complete trajectory with the given overall scores, in turn order.
func trajectory(
    _ id: String, task: String = "color_alter", _ overalls: [Double],
    end: EndReason? = .maxTurns, status: TrajectoryStatus = .complete
) -> CurationTrajectory {
    CurationTrajectory(id: id, task: task, status: status, endReason: end, scores: overalls.map { score($0) })
}

/// A trajectory with id "t" and task "color_alter".
func trajectory(_ overalls: [Double], end: EndReason? = .maxTurns, status: TrajectoryStatus = .complete) -> CurationTrajectory {
    trajectory("t", overalls, end: end, status: status)
}

/// The kept part of a verdict, failing the test when the trajectory was dropped.
func kept(_ decision: FilterDecision, sourceLocation: SourceLocation = #_sourceLocation) throws -> KeptTrajectory {
    try #require(decision.kept, sourceLocation: sourceLocation)
}
