import Testing
@testable import ThinkEditBackends
@testable import ThinkEditImaging
@testable import ThinkEditSynthetic

@Suite("Synthetic expert")
struct ExpertTests {
    let instruction = "change the blue square in the top-left to yellow"
    let truth = Fixture.truth()

    func ask(_ image: RGBImage, earlyStop: Double = 0, needless: Double = 0, turn: Int = 2) async throws -> ThinkAnswer {
        let expert = SyntheticExpert(seed: 4, earlyStop: earlyStop, needlessContinue: needless)
        let request = ThinkRequest(item: try Fixture.context(truth, instruction: instruction), turn: turn,
                                   previousImage: try Fixture.payload(image), previousInstruction: instruction)
        return try await expert.think(request)
    }

    func edited(_ failure: EditFailure?, key: String = "e") -> RGBImage {
        var rng = SeededRandom("expert-test", key)
        return Fixture.editor(always: failure).run(scene: truth.scene, size: truth.size, instruction: instruction, rng: &rng).image
    }

    @Test func aCorrectEditSatisfiesTheExpertAndKeepsThePrompt() async throws {
        let answer = try await ask(truth.targetScene.render(size: truth.size))
        #expect(answer.satisfied)
        #expect(answer.instruction == instruction)
        #expect(answer.reasoning.lowercased().contains("recoloring the blue square in the top-left yellow"))
        #expect(!answer.reasoning.contains("%"), "a complete, clean edit has nothing missing or dirty to quantify")
    }

    @Test func noChangeIsSeenAndTheRequestRestatedPrecisely() async throws {
        let answer = try await ask(truth.scene.render(size: truth.size))
        #expect(!answer.satisfied)
        #expect(answer.reasoning.lowercased().contains("recoloring the blue square in the top-left yellow"))
        #expect(!answer.reasoning.contains("wrong shape") && !answer.reasoning.contains("%"))
        #expect(answer.instruction.hasPrefix("change the blue square in the top-left to yellow"))
    }

    @Test func aPartialEditAsksForTheWholeShape() async throws {
        let image = edited(.partial)
        let answer = try await ask(image)
        #expect(!answer.satisfied)
        let done = Int((JudgeSimulation.compare(edited: image, truth: truth).completion * 100).rounded())
        #expect(answer.reasoning.contains("\(done)%"), "the measured completion \(done)% in: \(answer.reasoning)")
        #expect(answer.instruction.contains("whole shape"))
        #expect(InstructionParser.parse(answer.instruction).complete)
    }

    @Test func overEditingNamesTheShapeThatChangedAndAsksToKeepIt() async throws {
        var rng = SeededRandom("expert-test", "e")
        let outcome = Fixture.editor(always: .overEdit).run(scene: truth.scene, size: truth.size, instruction: instruction, rng: &rng)
        let answer = try await ask(outcome.image)
        #expect(!answer.satisfied)
        // A shape the editor repainted is named, with its new colour.
        for index in truth.scene.shapes.indices where index != 0 {
            let shape = truth.scene.shapes[index]
            let now = Fixture.centre(of: shape, in: outcome.image)
            guard !same(now, shape.color.rgb), let colour = ShapeColor.allCases.first(where: { same($0.rgb, now) }) else { continue }
            #expect(answer.reasoning.contains(InstructionWriter.preciseReference(shape)), "\(answer.reasoning)")
            #expect(answer.reasoning.contains(colour.rawValue), "\(answer.reasoning)")
        }
        #expect(InstructionParser.parse(answer.instruction).keepOthers)
    }

    @Test func aWrongTargetIsCalledOut() async throws {
        let answer = try await ask(edited(.wrongTarget))
        #expect(!answer.satisfied)
        #expect(answer.reasoning.contains("wrong shape"))
    }

    @Test func artifactsAreLocatedAndACleanResultAskedFor() async throws {
        let image = edited(.artifacts)
        let answer = try await ask(image)
        #expect(!answer.satisfied)
        let c = JudgeSimulation.compare(edited: image, truth: truth)
        let share = max(0.1, (c.dirtyFraction * 1000).rounded() / 10)
        #expect(answer.reasoning.contains("\(share)%"), "\(answer.reasoning)")
        #expect(answer.reasoning.contains(try #require(c.dirtyCell).rawValue))
        #expect(InstructionParser.parse(answer.instruction).clean)
    }

    @Test func theCritiqueIsWordedDifferentlyFromItemToItemForTheSameFailure() async throws {
        let expert = SyntheticExpert(seed: 4)
        var texts = Set<String>()
        for k in 0..<24 {
            let request = ThinkRequest(item: try Fixture.context(truth, instruction: instruction, id: "w-\(k)"), turn: 2,
                                       previousImage: try Fixture.payload(truth.scene.render(size: truth.size)), previousInstruction: instruction)
            let answer = try await expert.think(request)
            #expect(!answer.satisfied)
            texts.insert(answer.reasoning)
        }
        // The same empty edit, seen 24 times: no one sentence per failure kind.
        #expect(texts.count >= 8, "\(texts.count) distinct critiques")
    }

    @Test func anExpertInAHurryAcceptsAMostlyDoneEdit() async throws {
        // Keep the edit on 80% of the square: acceptable, not good.
        var image = truth.targetScene.render(size: truth.size)
        let source = truth.scene.render(size: truth.size)
        let square = truth.scene.shapes[0]
        let bottom = (square.y + square.size.radius / 2) * truth.size / 1000
        for y in bottom..<truth.size { for x in 0..<truth.size / 3 {
            let i = (y * truth.size + x) * 3
            image.pixels.replaceSubrange(i..<(i + 3), with: source.pixels[i..<(i + 3)])
        } }
        #expect(try await ask(image, earlyStop: 1).satisfied)
        #expect(try await !ask(image, earlyStop: 0).satisfied)
    }

    @Test func aFussyExpertContinuesAfterACorrectEdit() async throws {
        let answer = try await ask(truth.targetScene.render(size: truth.size), needless: 1)
        #expect(!answer.satisfied)
        #expect(answer.instruction.contains("keep the other shapes unchanged"))
    }

    @Test func rewriteMakesAVagueRequestPrecise() async throws {
        let vagueTruth = Fixture.truth(precision: .vague)
        let expert = SyntheticExpert(seed: 4)
        var precise = 0
        for k in 0..<40 {
            let request = ThinkRequest(item: try Fixture.context(vagueTruth, instruction: "make it pop", id: "v-\(k)"), turn: 1, previousImage: nil, previousInstruction: nil)
            let answer = try await expert.think(request)
            #expect(!answer.satisfied)
            var rng = SeededRandom("r")
            #expect(InstructionParser.parse(answer.instruction).resolve(in: vagueTruth.scene, fallback: nil, rng: &rng).clarity == .clear)
            if answer.instruction.hasPrefix("change the blue square in the top-left to yellow") { precise += 1 }
        }
        // It reads a vague request right about half the time.
        #expect(precise > 8 && precise < 32)
    }
}
