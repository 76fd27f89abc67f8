import Testing
@testable import ThinkEditCore

@Suite("Unroll into step-wise samples (SPEC §2.5)")
struct UnrollTests {
    private func unroll(_ t: CurationTrajectory, stopSamples: Bool = true) -> [UnrolledSample] {
        Unroll.apply([t], decisions: [TrajectoryFilter.decide(t)], stopSamples: stopSamples).samples
    }

    @Test func refineSamplesRunFromTurnTwoToK() {
        let samples = unroll(trajectory([4, 6, 8, 5]))
        #expect(samples.map(\.turn) == [2, 3])
        #expect(samples.allSatisfy { $0.kind == .refine && $0.trajectory == 0 })
    }

    @Test func refineSampleCritiquesThePreviousImageAndResultsInItsOwn() throws {
        let t = CurationTrajectory(id: "p", task: "x", endReason: .maxTurns, scores: [
            Score(semantic: ScoreNumber(4), quality: ScoreNumber(8)),
            Score(semantic: ScoreNumber(8), quality: ScoreNumber(8)),
        ])
        let sample = try #require(unroll(t).first)
        #expect(sample.critiqueTurn == 1)
        #expect(sample.critiqueScore(in: t.scores) == t.scores[0])
        #expect(sample.resultTurn == 2)
        #expect(sample.resultScore(in: t.scores) == t.scores[1])
    }

    @Test func stopSampleWhenTheExpertStoppedOnTheKeptImage() throws {
        let t = trajectory([4, 6, 8], end: .stop)
        let samples = unroll(t)
        #expect(samples.map(\.turn) == [2, 3, 4])
        let stop = try #require(samples.last)
        #expect(stop.kind == .stop)
        #expect(stop.critiqueTurn == 3)
        #expect(stop.critiqueScore(in: t.scores) == t.scores[2])
        #expect(stop.resultTurn == nil)
        #expect(stop.resultScore(in: t.scores) == nil)
        #expect(stop.id(trajectoryID: t.id) == "t#4")
    }

    @Test func stopSamplesOffMakesNone() {
        let samples = unroll(trajectory([4, 6, 8], end: .stop), stopSamples: false)
        #expect(samples.map(\.kind) == [.refine, .refine])
    }

    @Test func noStopSampleWhenTruncated() {
        // Stopped at turn 4, but the best image is turn 2: k = 2 < n = 4.
        let samples = unroll(trajectory([4, 8, 6, 7], end: .stop))
        #expect(samples.map(\.kind) == [.refine])
    }

    @Test func noStopSampleWhenTheLoopRanOutOfTurns() {
        let samples = unroll(trajectory([4, 6, 8], end: .maxTurns))
        #expect(samples.map(\.kind) == [.refine, .refine])
    }

    @Test func droppedTrajectoriesYieldNoSamplesAndIndicesPointIntoTheInput() {
        let input = [trajectory("a", [9, 1]), trajectory("b", [1, 2], end: .stop), trajectory("c", [7])]
        let (decisions, _) = TrajectoryFilter.apply(input)
        let (samples, stats) = Unroll.apply(input, decisions: decisions)
        #expect(samples == [
            UnrolledSample(trajectory: 1, turn: 2, kind: .refine),
            UnrolledSample(trajectory: 1, turn: 3, kind: .stop),
        ])
        #expect(stats.trajectories == 1)
        #expect(stats.refineSamples == 1)
        #expect(stats.stopSamples == 1)
        #expect(stats.stopSamplesEnabled)
    }

    @Test func sampleIDIsTrajectoryIDHashTurnAndParsesBackAtTheLastHash() throws {
        #expect(SampleID.make(trajectory: "p-001", turn: 2) == "p-001#2")
        let parsed = try #require(SampleID.parse("set#7#12"))
        #expect(parsed.trajectory == "set#7")
        #expect(parsed.turn == 12)
        #expect(SampleID.parse("p-001") == nil)
        #expect(SampleID.parse("p-001#") == nil)
        #expect(SampleID.parse("p-001#0") == nil)
    }
}

@Suite("Target text (SPEC §2.5)")
struct TargetTextTests {
    @Test func targetTextHasTheExactLayoutWithIntegerScoresAsIntegers() {
        let critique = Score(semantic: ScoreNumber(4), quality: ScoreNumber(8))
        let text = TargetText.make(reasoning: "only the hood changed", critique: critique, answer: "paint the whole car red")
        #expect(text == "<think>\nonly the hood changed\n</think>\n<score>\n{\"semantic\": 4, \"quality\": 8}\n</score>\n<answer>\npaint the whole car red\n</answer>")
    }

    @Test func targetTextWritesDecimalsAsTheJudgeGaveThem() {
        let critique = Score(semantic: ScoreNumber(decimal: 7.5), quality: ScoreNumber(decimal: 8.0), overall: 7.7)
        let text = TargetText.make(reasoning: "r", critique: critique, answer: "a")
        #expect(text.contains("{\"semantic\": 7.5, \"quality\": 8.0}"))
    }
}
