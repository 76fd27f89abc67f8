import ThinkEditBackends
import ThinkEditCore

/// The synthetic judge (`Scorer`, SPEC §2.3 and §5). The semantic request is measured against the
/// ground-truth target image rendered from the item's synthetic meta (edit success, absence of
/// over-editing); the quality request looks at the edited image alone (naturalness, absence of
/// artifacts). Scores are integers 0–10 with a short reasoning; the formulas are in
/// `docs/synthetic-world.md`. Deterministic per (seed, item, turn, aspect, image); thread-safe.
package struct SyntheticJudge: Scorer {
    package let name: String
    package let seed: UInt64
    /// Chance that a sub-score moves by one point, as a real judge wavers.
    package var jitter: Double

    package init(seed: UInt64, name: String = "synthetic-judge", jitter: Double = 0.15) {
        self.name = name
        self.seed = seed
        self.jitter = jitter
    }

    package func judge(_ request: JudgeRequest) async throws -> JudgeAnswer {
        let item = request.item
        let truth = try SyntheticTruth.fromMeta(item.meta, item: item.trajectoryID)
        let edited = try SyntheticImages.decode(request.edited, truth: truth, item: item.trajectoryID, turn: request.turn)
        var rng = SeededRandom("judge", String(seed), item.trajectoryID, String(request.turn), request.aspect.rawValue, request.edited.hash)
        let simulation = JudgeSimulation(jitter: jitter)
        switch request.aspect {
        case .semantic:
            let s = simulation.semantic(edited: edited, truth: truth, rng: &rng)
            return JudgeAnswer(scores: [ScoreNumber(s.success), ScoreNumber(s.overEditing)], reasoning: s.reasoning)
        case .quality:
            let q = simulation.quality(edited: edited, rng: &rng)
            return JudgeAnswer(scores: [ScoreNumber(q.naturalness), ScoreNumber(q.artifacts)], reasoning: q.reasoning)
        }
    }
}
