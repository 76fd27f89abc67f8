/// The settings of the split stage (SPEC §2.6), with the SPEC's defaults. Thresholds are compared
/// at 6 decimals like the values they gate.
package struct SplitConfig: Sendable, Hashable, Codable {
    /// `rl.min_variance`: RL candidates have `V` strictly above it.
    package var rlMinVariance: Double
    /// `rl.trajectories`: how many trajectories the RL set should hold.
    package var rlTrajectories: Int
    /// `sft.samples`: how many samples the SFT set should hold.
    package var sftSamples: Int
    /// `sft.min_quality`: a trajectory with min(O_1..O_k) at least this is "consistently high quality".
    package var sftMinQuality: Double
    /// `bin_width`: see `ScoreBinning`.
    package var binWidth: Double
    /// The run's `seed`, the first part of every SHA-256 ranking key.
    package var seed: UInt64

    package init(
        rlMinVariance: Double = 1.0, rlTrajectories: Int = 10_000, sftSamples: Int = 140_000,
        sftMinQuality: Double = 7.0, binWidth: Double = 1, seed: UInt64
    ) {
        self.rlMinVariance = rlMinVariance
        self.rlTrajectories = rlTrajectories
        self.sftSamples = sftSamples
        self.sftMinQuality = sftMinQuality
        self.binWidth = binWidth
        self.seed = seed
    }

    /// Checks every setting and returns the score binning; throws `CurationError` naming the key.
    package func validated() throws -> ScoreBinning {
        guard rlMinVariance.isFinite else { throw CurationError.nonFiniteThreshold(key: "rl.min_variance", value: rlMinVariance) }
        guard sftMinQuality.isFinite else { throw CurationError.nonFiniteThreshold(key: "sft.min_quality", value: sftMinQuality) }
        guard rlTrajectories >= 0 else { throw CurationError.negativeTarget(key: "rl.trajectories", value: rlTrajectories) }
        guard sftSamples >= 0 else { throw CurationError.negativeTarget(key: "sft.samples", value: sftSamples) }
        return try ScoreBinning(width: binWidth)
    }

    enum CodingKeys: String, CodingKey {
        case rlMinVariance = "rl_min_variance", rlTrajectories = "rl_trajectories", sftSamples = "sft_samples"
        case sftMinQuality = "sft_min_quality", binWidth = "bin_width", seed
    }
}

/// A kept trajectory as the split sees it: what the filter computed (`KeptTrajectory`), its id and
/// its task. Values are compared at 6 decimals, so raw or already-rounded numbers both work.
package struct SplitTrajectory: Sendable, Hashable {
    package var id: String
    package var task: String
    /// `V`.
    package var variance: Double
    /// `O_1`.
    package var firstOverall: Double
    /// min(O_1..O_k).
    package var minOverall: Double

    package init(id: String, task: String, variance: Double, firstOverall: Double, minOverall: Double) {
        self.id = id
        self.task = task
        self.variance = variance
        self.firstOverall = firstOverall
        self.minOverall = minOverall
    }

    package init(id: String, task: String, kept: KeptTrajectory) {
        self.init(id: id, task: task, variance: kept.variance, firstOverall: kept.firstOverall, minOverall: kept.minOverall)
    }
}

/// A step-wise sample as the split sees it: its trajectory, its `t` (the id is
/// `<trajectory id>#<t>`) and the overall value of its critique score, whose bin balances SFT.
package struct SplitSample: Sendable, Hashable {
    /// Index into `SplitInput.trajectories`.
    package var trajectory: Int
    package var turn: Int
    package var critiqueOverall: Double

    package init(trajectory: Int, turn: Int, critiqueOverall: Double) {
        self.trajectory = trajectory
        self.turn = turn
        self.critiqueOverall = critiqueOverall
    }
}

/// Everything the split reads: the KEPT trajectories only, and all their samples (flat, in any
/// order). Ids must be unique: they seed the SHA-256 ranking.
package struct SplitInput: Sendable, Hashable {
    package var trajectories: [SplitTrajectory]
    package var samples: [SplitSample]

    package init(trajectories: [SplitTrajectory] = [], samples: [SplitSample] = []) {
        self.trajectories = trajectories
        self.samples = samples
    }

    /// Appends a kept trajectory and returns its index; `appendSample` then adds its samples. This
    /// suits one database query over samples joined to their trajectories, ordered by trajectory.
    @discardableResult
    package mutating func append(_ trajectory: SplitTrajectory) -> Int {
        trajectories.append(trajectory)
        return trajectories.count - 1
    }

    /// Appends a sample of the trajectory appended last.
    mutating func appendSample(turn: Int, critiqueOverall: Double) {
        precondition(!trajectories.isEmpty, "append the sample's trajectory first")
        samples.append(SplitSample(trajectory: trajectories.count - 1, turn: turn, critiqueOverall: critiqueOverall))
    }

    /// Builds the input from the filter and unroll results of one pass: `decisions[i]` is the verdict
    /// on `trajectories[i]`, and `samples` is what `Unroll.apply` made of them. Dropped trajectories
    /// are left out (so trajectory indices change); `samples` keep their order, so sample index `j`
    /// here is `samples[j]` there.
    package init(trajectories: [CurationTrajectory], decisions: [FilterDecision], samples: [UnrolledSample]) {
        precondition(trajectories.count == decisions.count, "one filter decision per trajectory")
        var kept = [SplitTrajectory]()
        var newIndex = [Int](repeating: -1, count: trajectories.count)
        for (i, trajectory) in trajectories.enumerated() {
            guard let decision = decisions[i].kept else { continue }
            newIndex[i] = kept.count
            kept.append(SplitTrajectory(id: trajectory.id, task: trajectory.task, kept: decision))
        }
        self.trajectories = kept
        self.samples = samples.map { sample in
            let index = newIndex[sample.trajectory]
            precondition(index >= 0, "sample of a trajectory the filter dropped")
            let scores = trajectories[sample.trajectory].scores
            guard let critique = sample.critiqueScore(in: scores) else {
                preconditionFailure("kept trajectory \(trajectories[sample.trajectory].id) has an unscored turn")
            }
            return SplitSample(trajectory: index, turn: sample.turn, critiqueOverall: critique.overall)
        }
    }

    /// The id of sample `index`: `<trajectory id>#<t>`.
    func sampleID(_ index: Int) -> String {
        let sample = samples[index]
        return SampleID.make(trajectory: trajectories[sample.trajectory].id, turn: sample.turn)
    }
}

/// What the split chose. All indices are ascending; the two sets never share a trajectory.
package struct SplitResult: Sendable, Hashable {
    /// Indices into `SplitInput.trajectories` of the RL trajectories.
    package var rlTrajectories: [Int]
    /// Indices into `SplitInput.samples` of every sample of the RL trajectories.
    package var rlSamples: [Int]
    /// Indices into `SplitInput.samples` of the SFT samples.
    package var sftSamples: [Int]
    package var statistics: SplitStatistics

    init(rlTrajectories: [Int], rlSamples: [Int], sftSamples: [Int], statistics: SplitStatistics) {
        self.rlTrajectories = rlTrajectories
        self.rlSamples = rlSamples
        self.sftSamples = sftSamples
        self.statistics = statistics
    }
}
