import Testing
@testable import ThinkEditCore

/// A deliberately plain second implementation of SPEC §2.4–2.6: straight loops over the whole
/// input, hashes for every candidate, no counting sorts or index tricks. The property test checks
/// that the real rules agree with it on random trajectories.
enum ReferenceCuration {
    struct Kept: Equatable {
        var k: Int
        var variance: Double
        var first: Double
        var lowest: Double
    }

    static func filter(_ t: CurationTrajectory) -> (kept: Kept?, reason: DropReason?) {
        if t.status == .failed { return (nil, .failed) }
        if t.status == .pending { return (nil, .pending) }
        if t.scores.isEmpty || t.scores.contains(where: { $0 == nil }) { return (nil, .unscored) }
        if t.scores.count < 2 { return (nil, .singleTurn) }
        let raw = t.scores.map { $0!.overall }
        let rounded = raw.map(JSONNumber.round6)
        let best = rounded[1...].max()!
        if best < rounded[0] { return (nil, .noImprovement) }
        var k = 2
        while rounded[k - 1] != best { k += 1 }
        let kept = Array(raw[0..<k])
        let mean = kept.reduce(0, +) / Double(k)
        let variance = kept.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(k)
        return (Kept(k: k, variance: JSONNumber.round6(variance), first: rounded[0], lowest: rounded[0..<k].min()!), nil)
    }

    /// (sample id, critique overall) of every sample, refine then stop.
    static func unroll(_ t: CurationTrajectory, _ kept: Kept, stopSamples: Bool) -> [(id: String, critique: Double, kind: SampleKind)] {
        var out = [(id: String, critique: Double, kind: SampleKind)]()
        for turn in 2...kept.k {
            out.append((t.id + "#" + String(turn), t.scores[turn - 2]!.overall, .refine))
        }
        if stopSamples && kept.k == t.scores.count && t.endReason == .stop {
            out.append((t.id + "#" + String(kept.k + 1), t.scores[kept.k - 1]!.overall, .stop))
        }
        return out
    }

    static func waterFill(_ sizes: [Int], _ target: Int) -> [Int] {
        if sizes.reduce(0, +) <= target { return sizes }
        var level = 0
        while sizes.map({ min($0, level + 1) }).reduce(0, +) <= target { level += 1 }
        var quotas = sizes.map { min($0, level) }
        var left = target - quotas.reduce(0, +)
        for i in sizes.indices {
            if left > 0 && sizes[i] > level {
                quotas[i] += 1
                left -= 1
            }
        }
        return quotas
    }

    static func bin(_ overall: Double, width: Double) -> Int {
        let top = Int((10 / width).rounded(.down))
        let raw = Int((JSONNumber.round6(overall) / width).rounded(.down))
        return max(0, min(top, raw))
    }

    /// Balanced choice of unit ids; `units` are (id, task, score).
    static func select(_ units: [(id: String, task: String, score: Double)], target: Int, width: Double, seed: UInt64) -> Set<String> {
        let tasks = Set(units.map(\.task)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let taskQuotas = waterFill(tasks.map { task in units.filter { $0.task == task }.count }, target)
        var chosen = Set<String>()
        for (ti, task) in tasks.enumerated() {
            let mine = units.filter { $0.task == task }
            let bins = Array(0...Int((10 / width).rounded(.down)))
            let binQuotas = waterFill(bins.map { b in mine.filter { bin($0.score, width: width) == b }.count }, taskQuotas[ti])
            for b in bins {
                let group = mine.filter { bin($0.score, width: width) == b }
                let ranked = group.map(\.id).sorted { ContentHash.sha256Hex("\(seed):\($0)") < ContentHash.sha256Hex("\(seed):\($1)") }
                chosen.formUnion(ranked.prefix(binQuotas[b]))
            }
        }
        return chosen
    }

    struct Outcome: Equatable {
        var reasons: [DropReason?]
        var kept: [Kept?]
        var sampleIDs: [String]
        var rl: Set<String>
        var rlSamples: Set<String>
        var sft: Set<String>
    }

    static func run(_ trajectories: [CurationTrajectory], config c: SplitConfig, stopSamples: Bool) -> Outcome {
        let verdicts = trajectories.map(filter)
        var samples = [(trajectory: Int, id: String, critique: Double)]()
        for (i, t) in trajectories.enumerated() {
            if let kept = verdicts[i].kept {
                for s in unroll(t, kept, stopSamples: stopSamples) { samples.append((i, s.id, s.critique)) }
            }
        }
        let keptIndices = trajectories.indices.filter { verdicts[$0].kept != nil }
        let threshold = JSONNumber.round6(c.rlMinVariance)
        let rlUnits = keptIndices.filter { verdicts[$0].kept!.variance > threshold }
            .map { (id: trajectories[$0].id, task: trajectories[$0].task, score: verdicts[$0].kept!.first) }
        let rl = select(rlUnits, target: c.rlTrajectories, width: c.binWidth, seed: c.seed)
        let sftTrajectories = Set(keptIndices.filter { i in
            let kept = verdicts[i].kept!
            return !rl.contains(trajectories[i].id)
                && (kept.variance <= threshold || kept.lowest >= JSONNumber.round6(c.sftMinQuality))
        })
        let sftUnits = samples.filter { sftTrajectories.contains($0.trajectory) }
            .map { (id: $0.id, task: trajectories[$0.trajectory].task, score: $0.critique) }
        return Outcome(
            reasons: verdicts.map(\.reason),
            kept: verdicts.map(\.kept),
            sampleIDs: samples.map(\.id),
            rl: rl,
            rlSamples: Set(samples.filter { rl.contains(trajectories[$0.trajectory].id) }.map(\.id)),
            sft: select(sftUnits, target: c.sftSamples, width: c.binWidth, seed: c.seed)
        )
    }
}

/// SplitMix64: a tiny seeded generator, so a failing case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random trajectories rich in the cases the rules care about: ties, near-ties at the 6th decimal,
/// given and computed overall scores, unscored turns, failed and pending rows, single turns.
func randomTrajectories(count: Int, using rng: inout SeededGenerator) -> [CurationTrajectory] {
    let tasks = ["color_alter", "subject-add", "Zeta", "e\u{301}", "f", "background_change"]
    return (0..<count).map { i in
        let n = Int.random(in: 0...5, using: &rng)
        // Half the trajectories are calm (small steps around a level, often low variance, sometimes
        // consistently good), half wild (any score on any turn).
        let calm = Bool.random(using: &rng)
        var level = Double(Int.random(in: 0...20, using: &rng)) / 2
        let scores: [Score?] = (0..<n).map { _ in
            if calm { level = min(10, max(0, level + Double(Int.random(in: -2...2, using: &rng)) / 2)) }
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: return nil
            case 1...9:
                let sc = calm ? Int(level) : Int.random(in: 0...10, using: &rng)
                let pq = calm ? min(10, Int(level) + Int.random(in: 0...1, using: &rng)) : Int.random(in: 0...10, using: &rng)
                return Score(semantic: ScoreNumber(sc), quality: ScoreNumber(pq))
            default:
                let base = calm ? level : Double(Int.random(in: 0...20, using: &rng)) / 2
                let jitter = [0, 0, 0.0000004, -0.0000004, 0.000001, 0.0000006][Int.random(in: 0..<6, using: &rng)]
                return Score(semantic: ScoreNumber(Int(base)), quality: ScoreNumber(Int(base)), overall: max(0, base + jitter))
            }
        }
        let status: TrajectoryStatus = [.complete, .complete, .complete, .complete, .complete, .complete, .failed, .pending][Int.random(in: 0..<8, using: &rng)]
        return CurationTrajectory(
            id: "traj-\(i)", task: tasks[Int.random(in: 0..<tasks.count, using: &rng)], status: status,
            endReason: Bool.random(using: &rng) ? .stop : .maxTurns, scores: scores
        )
    }
}

@Suite("Curation against a plain reference implementation")
struct CurationPropertyTests {
    @Test func filterUnrollAndSplitAgreeWithTheReferenceOnRandomTrajectories() throws {
        var rng = SeededGenerator(state: 20251205)
        var checkedTrajectories = 0, roundsWithRLCut = 0, roundsWithSFTCut = 0
        for round in 0..<40 {
            let trajectories = randomTrajectories(count: Int.random(in: 50...300, using: &rng), using: &rng)
            checkedTrajectories += trajectories.count
            let config = SplitConfig(
                rlMinVariance: [0, 0.5, 1, 2.25][Int.random(in: 0..<4, using: &rng)],
                rlTrajectories: Int.random(in: 0...60, using: &rng),
                sftSamples: Int.random(in: 0...100, using: &rng),
                sftMinQuality: [5, 7][Int.random(in: 0..<2, using: &rng)],
                binWidth: [1, 0.5, 2, 3][Int.random(in: 0..<4, using: &rng)],
                seed: UInt64(round)
            )
            let stopSamples = Bool.random(using: &rng)

            let (decisions, _) = TrajectoryFilter.apply(trajectories)
            let (samples, _) = Unroll.apply(trajectories, decisions: decisions, stopSamples: stopSamples)
            let input = SplitInput(trajectories: trajectories, decisions: decisions, samples: samples)
            let result = try VarianceSplit.apply(input, config: config)

            let ours = ReferenceCuration.Outcome(
                reasons: decisions.map(\.dropReason),
                kept: decisions.map { $0.kept.map { ReferenceCuration.Kept(k: $0.length, variance: $0.variance, first: $0.firstOverall, lowest: $0.minOverall) } },
                sampleIDs: samples.map { $0.id(trajectoryID: trajectories[$0.trajectory].id) },
                rl: Set(result.rlTrajectories.map { input.trajectories[$0].id }),
                rlSamples: Set(result.rlSamples.map(input.sampleID)),
                sft: Set(result.sftSamples.map(input.sampleID))
            )
            let expected = ReferenceCuration.run(trajectories, config: config, stopSamples: stopSamples)
            // Compared part by part, with the first differences in the message rather than the
            // whole outcome.
            let firstBadVerdict = trajectories.indices.first { ours.reasons[$0] != expected.reasons[$0] || ours.kept[$0] != expected.kept[$0] }
            #expect(firstBadVerdict == nil, "round \(round): filter differs on \(firstBadVerdict.map { trajectories[$0].id } ?? "")")
            let sameSamples = ours.sampleIDs == expected.sampleIDs
            #expect(sameSamples, "round \(round): unrolled sample ids differ")
            for (name, a, b) in [("RL", ours.rl, expected.rl), ("RL samples", ours.rlSamples, expected.rlSamples), ("SFT", ours.sft, expected.sft)] {
                let same = a == b
                #expect(same, "round \(round): \(name) differs on \(a.symmetricDifference(b).sorted().prefix(5))")
            }
            #expect(result.statistics.rl.selected == expected.rl.count)
            #expect(result.statistics.sft.selected == expected.sft.count)
            if result.statistics.rl.candidates > config.rlTrajectories, config.rlTrajectories > 0 { roundsWithRLCut += 1 }
            if result.statistics.sft.candidates > config.sftSamples, config.sftSamples > 0 { roundsWithSFTCut += 1 }
        }
        // The comparison means something only if it covered thousands of trajectories and rounds
        // where balancing had to cut.
        #expect(checkedTrajectories > 5000)
        #expect(roundsWithRLCut >= 5)
        #expect(roundsWithSFTCut >= 5)
    }
}
