import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditImaging
@testable import ThinkEditSynthetic

@Suite("Synthetic judge")
struct JudgeTests {
    let truth = Fixture.truth()
    let instruction = "change the blue square in the top-left to yellow"

    func scores(_ image: RGBImage, jitter: Double = 0) async throws -> (semantic: [Int], quality: [Int], reasoning: String) {
        let judge = SyntheticJudge(seed: 2, jitter: jitter)
        let context = try Fixture.context(truth, instruction: instruction)
        let payload = try Fixture.payload(image)
        let s = try await judge.judge(JudgeRequest(item: context, turn: 1, edited: payload, aspect: .semantic))
        let q = try await judge.judge(JudgeRequest(item: context, turn: 1, edited: payload, aspect: .quality))
        let integers = (s.scores + q.scores).allSatisfy { $0.isInteger }
        #expect(integers)
        return (s.scores.map { Int($0.value) }, q.scores.map { Int($0.value) }, s.reasoning + " " + q.reasoning)
    }

    func edited(_ failure: EditFailure?) -> RGBImage {
        var rng = SeededRandom("judge-test")
        return Fixture.editor(always: failure).run(scene: truth.scene, size: truth.size, instruction: instruction, rng: &rng).image
    }

    @Test func aPerfectEditScoresHigh() async throws {
        let s = try await scores(truth.targetScene.render(size: truth.size))
        #expect(s.semantic == [10, 10])
        #expect(s.quality.allSatisfy { $0 >= 9 })
    }

    @Test func noChangeScoresLow() async throws {
        let s = try await scores(truth.scene.render(size: truth.size))
        #expect(s.semantic[0] == 0)
        #expect(s.reasoning.contains("About 0%"))
    }

    @Test func artifactsLowerQualityButNotSuccess() async throws {
        let clean = try await scores(truth.targetScene.render(size: truth.size))
        var dirty = truth.targetScene.render(size: truth.size)
        var rng = SeededRandom("paint")
        ArtifactPainter.paint(on: &dirty, rng: &rng)
        let s = try await scores(dirty)
        #expect(s.quality.min()! < clean.quality.min()!)
        #expect(s.reasoning.contains("Noise"))
    }

    @Test func overEditingLowersTheOverEditingScore() async throws {
        let s = try await scores(edited(.overEdit))
        #expect(s.semantic[0] == 10)
        #expect(s.semantic[1] < 8)
    }

    @Test func anExtraShapeAsLargeAsTheWantedChangeCostsHalfTheOverEditingScore() async throws {
        // Wanted: the blue square turns yellow. Edit: that, and the green triangle (same size) too.
        let edit = SceneEdit(action: .recolor, target: 2, color: .yellow).applied(to: truth.targetScene)
        let s = try await scores(edit.render(size: truth.size))
        #expect(s.semantic[0] == 10)
        #expect(s.semantic[1] >= 4 && s.semantic[1] <= 7, "over-editing \(s.semantic[1])")
    }

    @Test func aPartialEditGetsPartialSuccess() async throws {
        let s = try await scores(edited(.partial))
        #expect(s.semantic[0] > 0 && s.semantic[0] < 10)
    }

    @Test func jitterMovesAScoreByAtMostOnePoint() async throws {
        let image = truth.targetScene.render(size: truth.size)
        let steady = try await scores(image)
        for seed in 0..<10 {
            let judge = SyntheticJudge(seed: UInt64(seed), jitter: 1)
            let answer = try await judge.judge(JudgeRequest(item: try Fixture.context(truth, instruction: instruction), turn: 1,
                                                            edited: try Fixture.payload(image), aspect: .semantic))
            #expect(answer.scores.allSatisfy { abs(Int($0.value) - 10) <= 1 })
        }
        #expect(steady.semantic == [10, 10])
    }

    @Test func anImageOfTheWrongSizeIsRefusedWithAClearMessage() async throws {
        let judge = SyntheticJudge(seed: 2)
        let request = JudgeRequest(item: try Fixture.context(truth, instruction: instruction), turn: 3,
                                   edited: try Fixture.payload(RGBImage(width: 10, height: 10)), aspect: .quality)
        do {
            _ = try await judge.judge(request)
            Issue.record("expected an error")
        } catch let error as SyntheticError {
            #expect(error.description.contains("turn 3") && error.description.contains("10×10"))
        }
    }

    @Test func spearmanOfMonotoneDataIsOneAndTiesAreAveraged() {
        #expect(SyntheticWorldStatistics.spearman([1, 2, 3, 4], [10, 20, 30, 45]) == 1)
        #expect(SyntheticWorldStatistics.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
        #expect(SyntheticWorldStatistics.ranks([5, 1, 5, 2]) == [3.5, 1, 3.5, 2])
    }
}
