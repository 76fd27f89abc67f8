import Testing
@testable import ThinkEditCore

/// The worked example of docs/curation.md, run through the real rules so the document stays true.
@Suite("docs/curation.md worked example")
struct WorkedExampleTests {
    @Test func theWorkedExampleOfTheDocsComesOutAsWritten() throws {
        let trajectories = [
            trajectory("A", task: "color_alter", [4, 6, 8, 5], end: .maxTurns),
            trajectory("B", task: "color_alter", [6, 6], end: .stop),
            trajectory("C", task: "subject-add", [7, 7.5, 8], end: .stop),
            trajectory("D", task: "subject-add", [8, 7], end: .maxTurns),
            trajectory("E", task: "subject-add", [3], end: .stop),
            trajectory("F", task: "subject-add", [2, 9], end: .stop),
            trajectory("G", task: "color_alter", [7, 9.5, 9], end: .maxTurns),
        ]
        let (decisions, filterStats) = TrajectoryFilter.apply(trajectories)
        #expect(decisions.map { $0.kept?.length ?? 0 } == [3, 2, 3, 0, 0, 2, 2])
        #expect(decisions.map { $0.kept?.variance ?? -1 } == [2.666667, 0, 0.166667, -1, -1, 12.25, 1.5625])
        #expect(decisions[3] == .dropped(.noImprovement))
        #expect(decisions[4] == .dropped(.singleTurn))
        #expect(filterStats.lengths == [LengthCount(k: 2, count: 3), LengthCount(k: 3, count: 2)])

        let (samples, _) = Unroll.apply(trajectories, decisions: decisions)
        #expect(samples.map { $0.id(trajectoryID: trajectories[$0.trajectory].id) }
            == ["A#2", "A#3", "B#2", "B#3", "C#2", "C#3", "C#4", "F#2", "F#3", "G#2"])

        let input = SplitInput(trajectories: trajectories, decisions: decisions, samples: samples)
        let config = SplitConfig(rlMinVariance: 1, rlTrajectories: 2, sftSamples: 4, sftMinQuality: 7, binWidth: 1, seed: 7)
        let result = try VarianceSplit.apply(input, config: config)
        #expect(result.rlTrajectories.map { input.trajectories[$0].id } == ["A", "F"])
        #expect(result.rlSamples.map(input.sampleID) == ["A#2", "A#3", "F#2", "F#3"])
        #expect(result.sftSamples.map(input.sampleID) == ["B#3", "C#2", "C#4", "G#2"])
        #expect(result.statistics.sft.groups == [
            GroupCount(task: "color_alter", bin: 6, candidates: 2, selected: 1),
            GroupCount(task: "color_alter", bin: 7, candidates: 1, selected: 1),
            GroupCount(task: "subject-add", bin: 7, candidates: 2, selected: 1),
            GroupCount(task: "subject-add", bin: 8, candidates: 1, selected: 1),
        ])
        #expect(result.statistics.unusedTrajectories == 0)
    }
}
