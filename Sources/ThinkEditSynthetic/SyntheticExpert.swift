import ThinkEditBackends

/// The synthetic expert (`Thinker`, SPEC §2.2 and §5). It reads the user's instruction `T` against
/// the source scene (from the item's synthetic meta, as a real expert sees `Isrc` and reads `T`),
/// decodes the previous edit and judges it from its PIXELS: how much of the wanted change is
/// there, which other shapes changed, where artifacts are. It then says satisfied or writes a
/// more specific instruction that names the target precisely and asks for the missing fixes.
///
/// It is imperfect on purpose: it misreads ambiguous or vague requests now and then (and keeps its
/// reading for the whole trajectory), accepts nearly-right edits early (`earlyStop`), and sometimes
/// asks for another round although the edit is right (`needlessContinue`).
/// With no previous image (`first_turn: rewrite`) it rewrites `T` into a precise instruction.
/// Deterministic per (seed, item, turn); thread-safe.
package struct SyntheticExpert: Thinker {
    package let name: String
    package let seed: UInt64
    package var earlyStop: Double
    package var needlessContinue: Double

    package init(seed: UInt64, name: String = "synthetic-expert", earlyStop: Double = 0.25, needlessContinue: Double = 0.3) {
        self.name = name
        self.seed = seed
        self.earlyStop = earlyStop
        self.needlessContinue = needlessContinue
    }

    var simulation: ExpertSimulation {
        ExpertSimulation(earlyStop: earlyStop, needlessContinue: needlessContinue)
    }

    package func think(_ request: ThinkRequest) async throws -> ThinkAnswer {
        let item = request.item
        let truth = try SyntheticTruth.fromMeta(item.meta, item: item.trajectoryID)
        var intentStream = SeededRandom("expert-intent", String(seed), item.trajectoryID)
        let intent = simulation.intent(of: truth, instruction: item.instruction, task: item.task, rng: &intentStream)
        guard let previous = request.previousImage else {
            let rewrite = simulation.rewrite(truth: truth, userInstruction: item.instruction, intent: intent)
            return ThinkAnswer(satisfied: false, reasoning: rewrite.reasoning, instruction: rewrite.instruction)
        }
        let edited = try SyntheticImages.decode(previous, truth: truth, item: item.trajectoryID, turn: request.turn - 1)
        let assessment = simulation.assess(edited: edited, truth: truth, intent: intent)
        var rng = SeededRandom("expert", String(seed), item.trajectoryID, String(request.turn))
        let answer = simulation.answer(
            truth: truth, userInstruction: item.instruction, previousInstruction: request.previousInstruction ?? item.instruction,
            intent: intent, assessment: assessment, rng: &rng
        )
        return ThinkAnswer(satisfied: answer.satisfied, reasoning: answer.reasoning, instruction: answer.instruction)
    }
}
