import Testing
@testable import ThinkEditCore

@Suite("Split by variance and balance (SPEC §2.6)")
struct VarianceSplitTests {
    /// A kept trajectory with the given variance, first score and lowest score.
    private func kept(_ id: String, task: String = "color_alter", variance: Double, first: Double = 5, min: Double? = nil) -> SplitTrajectory {
        SplitTrajectory(id: id, task: task, variance: variance, firstOverall: first, minOverall: min ?? first)
    }

    private func config(rl: Int = 10, sft: Int = 100, seed: UInt64 = 7) -> SplitConfig {
        SplitConfig(rlTrajectories: rl, sftSamples: sft, seed: seed)
    }

    private func ids(_ indices: [Int], in input: SplitInput) -> [String] {
        indices.map { input.trajectories[$0].id }
    }

    @Test func rlCandidatesHaveVarianceStrictlyAboveTheThresholdAtSixDecimals() throws {
        let input = SplitInput(trajectories: [
            kept("equal", variance: 1.0),
            kept("rounds-to-equal", variance: 1.0000004),
            kept("above", variance: 1.000001),
        ], samples: [])
        let result = try VarianceSplit.apply(input, config: config())
        #expect(ids(result.rlTrajectories, in: input) == ["above"])
        #expect(result.statistics.variance.aboveThreshold == 1)
        #expect(result.statistics.variance.atOrBelowThreshold == 2)
    }

    @Test func rlQuotasAreWaterFilledAcrossTasks() throws {
        var trajectories = [kept("a1", task: "a", variance: 4)]
        for i in 1...4 { trajectories.append(kept("b\(i)", task: "b", variance: 4)) }
        let result = try VarianceSplit.apply(SplitInput(trajectories: trajectories, samples: []), config: config(rl: 3))
        let tasks = result.statistics.rl.tasks
        #expect(tasks == [TaskCount(task: "a", candidates: 1, selected: 1), TaskCount(task: "b", candidates: 4, selected: 2)])
    }

    @Test func remainderGoesToTasksInByteOrderOfTheirNames() throws {
        // Byte order puts "Zeta" (0x5A) before "alpha" (0x61), and the decomposed "e\u{301}" (0x65)
        // before "f" (0x66), although Swift's `<` on strings sorts "f" before "é".
        var trajectories = [SplitTrajectory]()
        for task in ["alpha", "Zeta", "f", "e\u{301}"] {
            for i in 1...2 { trajectories.append(kept("\(task)-\(i)", task: task, variance: 4)) }
        }
        let result = try VarianceSplit.apply(SplitInput(trajectories: trajectories, samples: []), config: config(rl: 6))
        let tasks = result.statistics.rl.tasks
        #expect(tasks.map(\.task) == ["Zeta", "alpha", "e\u{301}", "f"])
        #expect(tasks.map(\.selected) == [2, 2, 1, 1])
    }

    @Test func insideATaskBinsOfTheFirstScoreAreWaterFilledAscending() throws {
        let trajectories = [
            kept("hi-1", variance: 4, first: 7.2), kept("hi-2", variance: 4, first: 7.9),
            kept("lo-1", variance: 4, first: 3.0), kept("lo-2", variance: 4, first: 3.5),
        ]
        let result = try VarianceSplit.apply(SplitInput(trajectories: trajectories, samples: []), config: config(rl: 3))
        let groups = result.statistics.rl.groups
        #expect(groups == [
            GroupCount(task: "color_alter", bin: 3, candidates: 2, selected: 2),
            GroupCount(task: "color_alter", bin: 7, candidates: 2, selected: 1),
        ])
        #expect(result.statistics.rl.bins[3].selected == 2)
        #expect(result.statistics.rl.bins[7].selected == 1)
    }

    @Test func insideAGroupTheSmallestSHA256OfSeedAndIDIsTaken() throws {
        let names = (1...6).map { "traj-\($0)" }
        let input = SplitInput(trajectories: names.map { kept($0, variance: 4) }, samples: [])
        for seed: UInt64 in [7, 8] {
            let result = try VarianceSplit.apply(input, config: config(rl: 2, seed: seed))
            let expected = names.sorted { ContentHash.sha256Hex("\(seed):\($0)") < ContentHash.sha256Hex("\(seed):\($1)") }
            #expect(Set(ids(result.rlTrajectories, in: input)) == Set(expected.prefix(2)))
        }
    }

    @Test func rankKeysOrderExactlyLikeTheLowercaseHexText() {
        // Digests that share their first 16 or 48 hex digits too, so every word of the key counts.
        var hexes = (0..<300).map { ContentHash.sha256Hex("unit-\($0)") }
        hexes.append(String(repeating: "0", count: 16) + String(hexes[0].dropFirst(16)))
        hexes.append(String(repeating: "0", count: 16) + String(hexes[1].dropFirst(16)))
        hexes.append(String(repeating: "f", count: 48) + String(hexes[2].dropFirst(48)))
        hexes.append(String(repeating: "f", count: 48) + String(hexes[3].dropFirst(48)))
        let byKey = hexes.enumerated().map { RankKey(hex: $1, position: $0) }.sorted().map { hexes[$0.position] }
        #expect(byKey == hexes.sorted())
        // The digest read as words is the key of its hex text.
        for unit in ["unit-0", "7:traj-1#3", "é"] {
            let words = RankKey(digest: ContentHash.sha256Words(Array(unit.utf8)), position: 0)
            #expect(words == RankKey(hex: ContentHash.sha256Hex(unit), position: 0))
        }
    }

    @Test func sampleIDBytesAreTheSampleIDText() {
        var bytes = [UInt8]()
        SampleID.appendUTF8(trajectory: "p-é#1", turn: 12, to: &bytes)
        #expect(bytes == Array(SampleID.make(trajectory: "p-é#1", turn: 12).utf8))
    }

    @Test func sftSamplesComeFromLowVarianceOrConsistentlyGoodTrajectoriesNotChosenForRL() throws {
        let input = SplitInput(trajectories: [
            kept("rl-a", variance: 9, first: 2, min: 2),
            kept("rl-b", variance: 9, first: 2, min: 2),
            kept("calm", variance: 0.5, first: 6, min: 6),
            kept("wild-but-good", variance: 2, first: 7, min: 7),   // RL candidate, consistently >= 7
            kept("wild-and-bad", variance: 2, first: 3, min: 3),    // RL candidate, not good enough
        ], samples: [
            SplitSample(trajectory: 0, turn: 2, critiqueOverall: 2),
            SplitSample(trajectory: 1, turn: 2, critiqueOverall: 2),
            SplitSample(trajectory: 2, turn: 2, critiqueOverall: 6),
            SplitSample(trajectory: 3, turn: 2, critiqueOverall: 7),
            SplitSample(trajectory: 3, turn: 3, critiqueOverall: 8),
            SplitSample(trajectory: 4, turn: 2, critiqueOverall: 3),
        ])
        // RL candidates by bin of O_1: bin 2 {rl-a, rl-b}, bin 3 {wild-and-bad}, bin 7 {wild-but-good}.
        // A target of 2 fills to level 0 and hands the 2 left over to bins 2 and 3, ascending.
        let result = try VarianceSplit.apply(input, config: SplitConfig(rlTrajectories: 2, sftSamples: 100, seed: 1))
        let rlIDs = Set(ids(result.rlTrajectories, in: input))
        #expect(rlIDs.count == 2)
        #expect(rlIDs.contains("wild-and-bad"))
        #expect(!rlIDs.contains("wild-but-good"))
        let sftTrajectories = Set(result.sftSamples.map { input.trajectories[input.samples[$0].trajectory].id })
        // Not chosen for RL and never below sft.min_quality: SFT, although it was an RL candidate.
        #expect(sftTrajectories == ["calm", "wild-but-good"])
        #expect(result.sftSamples.count == 3)
        #expect(result.rlSamples.count == 2)
        // The RL candidate from bin 2 that RL did not take is in neither set.
        #expect(result.statistics.unusedTrajectories == 1)
    }

    @Test func sftAndRLNeverShareATrajectory() throws {
        var trajectories = [SplitTrajectory](), samples = [SplitSample]()
        for i in 0..<200 {
            let variance = Double(i % 7) * 0.5
            trajectories.append(kept("t\(i)", task: ["a", "b", "c"][i % 3], variance: variance, first: Double(i % 11), min: Double(i % 11)))
            for turn in 2...(2 + i % 3) {
                samples.append(SplitSample(trajectory: i, turn: turn, critiqueOverall: Double((i + turn) % 11)))
            }
        }
        let input = SplitInput(trajectories: trajectories, samples: samples)
        let result = try VarianceSplit.apply(input, config: config(rl: 40, sft: 150))
        let rl = Set(result.rlTrajectories)
        #expect(!rl.isEmpty)
        #expect(result.sftSamples.count == 150)
        #expect(result.sftSamples.allSatisfy { !rl.contains(input.samples[$0].trajectory) })
        #expect(Set(result.rlSamples.map { input.samples[$0].trajectory }) == rl)
    }

    @Test func shortfallIsReportedNotFatal() throws {
        let input = SplitInput(trajectories: [kept("x", variance: 4), kept("y", variance: 0)], samples: [
            SplitSample(trajectory: 0, turn: 2, critiqueOverall: 5),
            SplitSample(trajectory: 1, turn: 2, critiqueOverall: 5),
        ])
        let result = try VarianceSplit.apply(input, config: config(rl: 10, sft: 5))
        #expect(result.statistics.rl.selected == 1)
        #expect(result.statistics.rl.shortfall == 9)
        #expect(result.statistics.sft.candidates == 1)
        #expect(result.statistics.sft.shortfall == 4)
        #expect(result.sftSamples == [1])
    }

    @Test func sftBinsAreTheCritiqueScoreBins() throws {
        let input = SplitInput(trajectories: [kept("x", variance: 0, first: 8, min: 8)], samples: [
            SplitSample(trajectory: 0, turn: 2, critiqueOverall: 8.0),
            SplitSample(trajectory: 0, turn: 3, critiqueOverall: 8.9999996),
        ])
        let result = try VarianceSplit.apply(input, config: config())
        #expect(result.statistics.sft.groups.map(\.bin) == [8, 9])
    }

    @Test func chosenIDsDoNotDependOnInputOrder() throws {
        var trajectories = [SplitTrajectory]()
        for i in 0..<60 { trajectories.append(kept("t\(i)", task: ["a", "b"][i % 2], variance: 2 + Double(i % 3), first: Double(i % 10))) }
        let forward = SplitInput(trajectories: trajectories, samples: [])
        let backward = SplitInput(trajectories: trajectories.reversed(), samples: [])
        let a = try VarianceSplit.apply(forward, config: config(rl: 17))
        let b = try VarianceSplit.apply(backward, config: config(rl: 17))
        #expect(Set(ids(a.rlTrajectories, in: forward)) == Set(ids(b.rlTrajectories, in: backward)))
        #expect(a.statistics == b.statistics)
    }

    @Test func unusableConfigIsRejectedWithTheKeyName() {
        let input = SplitInput(trajectories: [], samples: [])
        #expect(throws: CurationError.negativeTarget(key: "sft.samples", value: -1)) {
            try VarianceSplit.apply(input, config: SplitConfig(sftSamples: -1, seed: 1))
        }
        #expect(throws: CurationError.invalidBinWidth(0)) {
            try VarianceSplit.apply(input, config: SplitConfig(binWidth: 0, seed: 1))
        }
    }

    @Test func inputAppendedRowByRowAttachesSamplesToTheLastTrajectory() {
        var input = SplitInput()
        input.append(kept("a", variance: 0))
        input.appendSample(turn: 2, critiqueOverall: 4)
        let b = input.append(kept("b", variance: 2))
        input.appendSample(turn: 2, critiqueOverall: 5)
        input.appendSample(turn: 3, critiqueOverall: 6)
        #expect(b == 1)
        #expect(input.samples.map(\.trajectory) == [0, 1, 1])
        #expect((0..<3).map(input.sampleID) == ["a#2", "b#2", "b#3"])
    }

    @Test func inputFromFilterAndUnrollKeepsSampleIndicesAndDropsDroppedTrajectories() throws {
        let source = [trajectory("gone", [9, 1]), trajectory("p", [4, 8], end: .stop)]
        let (decisions, _) = TrajectoryFilter.apply(source)
        let (samples, _) = Unroll.apply(source, decisions: decisions)
        let input = SplitInput(trajectories: source, decisions: decisions, samples: samples)
        #expect(input.trajectories.map(\.id) == ["p"])
        #expect(input.samples == [
            SplitSample(trajectory: 0, turn: 2, critiqueOverall: 4),
            SplitSample(trajectory: 0, turn: 3, critiqueOverall: 8),
        ])
        #expect(input.sampleID(1) == "p#3")
    }
}
