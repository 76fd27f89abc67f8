// Stage statistics of filter, unroll and split: Codable values that the stages store as JSON, that
// `status` prints and that the report draws. Keys are snake_case like the rest of the run's JSON;
// histograms are lists of rows so that every row says what it counts.

/// Trajectories dropped by the filter, per reason.
public struct DropCounts: Sendable, Hashable, Codable {
    public var failed = 0
    public var pending = 0
    public var unscored = 0
    public var singleTurn = 0
    public var noImprovement = 0

    public init() {}

    public subscript(reason: DropReason) -> Int {
        get {
            switch reason {
            case .failed: failed
            case .pending: pending
            case .unscored: unscored
            case .singleTurn: singleTurn
            case .noImprovement: noImprovement
            }
        }
        set {
            switch reason {
            case .failed: failed = newValue
            case .pending: pending = newValue
            case .unscored: unscored = newValue
            case .singleTurn: singleTurn = newValue
            case .noImprovement: noImprovement = newValue
            }
        }
    }

    /// All dropped trajectories.
    public var total: Int { DropReason.allCases.reduce(0) { $0 + self[$1] } }

    enum CodingKeys: String, CodingKey {
        case failed, pending, unscored, singleTurn = "single_turn", noImprovement = "no_improvement"
    }
}

/// One row of the truncation histogram: how many kept trajectories have `k` turns.
public struct LengthCount: Sendable, Hashable, Codable {
    public var k: Int
    public var count: Int

    public init(k: Int, count: Int) {
        self.k = k
        self.count = count
    }
}

/// What the filter stage did (SPEC §2.4). Fill it with `record` one trajectory at a time, or get it
/// from `TrajectoryFilter.apply`.
public struct FilterStatistics: Sendable, Hashable, Codable {
    public var trajectories = 0
    public var kept = 0
    public var dropped = DropCounts()
    /// Kept trajectories per truncation length `k`, one row for every k from 2 to the largest seen.
    public var lengths: [LengthCount] = []
    /// Kept trajectories cut before their last turn (`k < n`).
    public var truncated = 0
    /// Turns removed by truncation, over all kept trajectories.
    public var turnsCut = 0

    public init() {}

    /// Counts one verdict; `turns` is the trajectory's `n`.
    public mutating func record(_ decision: FilterDecision, turns: Int) {
        trajectories += 1
        switch decision {
        case .dropped(let reason):
            dropped[reason] += 1
        case .kept(let kept):
            self.kept += 1
            let k = kept.length
            while lengths.count <= k - 2 { lengths.append(LengthCount(k: lengths.count + 2, count: 0)) }
            lengths[k - 2].count += 1
            if k < turns {
                truncated += 1
                turnsCut += turns - k
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case trajectories, kept, dropped, lengths, truncated, turnsCut = "turns_cut"
    }
}

/// What the unroll stage made (SPEC §2.5).
public struct UnrollStatistics: Sendable, Hashable, Codable {
    /// Kept trajectories unrolled.
    public var trajectories = 0
    public var refineSamples = 0
    public var stopSamples = 0
    /// The `stop_samples` setting the samples were made with.
    public var stopSamplesEnabled: Bool

    public init(stopSamplesEnabled: Bool) {
        self.stopSamplesEnabled = stopSamplesEnabled
    }

    public mutating func record(_ sample: UnrolledSample) {
        switch sample.kind {
        case .refine: refineSamples += 1
        case .stop: stopSamples += 1
        }
    }

    enum CodingKeys: String, CodingKey {
        case trajectories, refineSamples = "refine_samples", stopSamples = "stop_samples"
        case stopSamplesEnabled = "stop_samples_enabled"
    }
}

/// The distribution of the trajectory variance `V` over the kept trajectories, against the RL
/// threshold. Buckets are `[lower, lower + 0.25)` from 0 up to the last non-empty bucket (a
/// variance of scores within 0...10 is at most 25). A bucket may straddle the threshold; the two
/// counts below are exact.
public struct VarianceHistogram: Sendable, Hashable, Codable {
    public static let bucketWidth = 0.25
    static let bucketMicros: Int64 = 250_000

    /// `rl.min_variance`, rounded to 6 decimals.
    public var threshold: Double
    /// `V <= threshold`: not RL candidates.
    public var atOrBelowThreshold = 0
    /// `V > threshold`: the RL candidates.
    public var aboveThreshold = 0
    /// `V = 0`: every kept score equal (a tie with the first turn, for instance).
    public var zero = 0
    public var buckets: [VarianceBucket] = []

    public init(threshold: Double) {
        self.threshold = threshold
    }

    mutating func record(micros: Int64, above: Bool) {
        if above { aboveThreshold += 1 } else { atOrBelowThreshold += 1 }
        if micros == 0 { zero += 1 }
        let bucket = Int(max(0, micros) / VarianceHistogram.bucketMicros)
        while buckets.count <= bucket {
            buckets.append(VarianceBucket(lower: Double(buckets.count) * VarianceHistogram.bucketWidth, count: 0))
        }
        buckets[bucket].count += 1
    }

    enum CodingKeys: String, CodingKey {
        case threshold, atOrBelowThreshold = "at_or_below_threshold", aboveThreshold = "above_threshold"
        case zero, buckets, bucketWidth = "bucket_width"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try container.decode(Double.self, forKey: .threshold)
        atOrBelowThreshold = try container.decode(Int.self, forKey: .atOrBelowThreshold)
        aboveThreshold = try container.decode(Int.self, forKey: .aboveThreshold)
        zero = try container.decode(Int.self, forKey: .zero)
        buckets = try container.decode([VarianceBucket].self, forKey: .buckets)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(atOrBelowThreshold, forKey: .atOrBelowThreshold)
        try container.encode(aboveThreshold, forKey: .aboveThreshold)
        try container.encode(zero, forKey: .zero)
        try container.encode(VarianceHistogram.bucketWidth, forKey: .bucketWidth)
        try container.encode(buckets, forKey: .buckets)
    }
}

/// One bucket of `VarianceHistogram`: variances in `[lower, lower + bucket_width)`.
public struct VarianceBucket: Sendable, Hashable, Codable {
    public var lower: Double
    public var count: Int

    public init(lower: Double, count: Int) {
        self.lower = lower
        self.count = count
    }
}

/// Candidates and chosen units of one task.
public struct TaskCount: Sendable, Hashable, Codable {
    public var task: String
    public var candidates: Int
    public var selected: Int

    public init(task: String, candidates: Int, selected: Int) {
        self.task = task
        self.candidates = candidates
        self.selected = selected
    }
}

/// Candidates and chosen units of one score bin, over all tasks.
public struct BinCount: Sendable, Hashable, Codable {
    /// The bin number (floor(O / bin_width), clamped).
    public var bin: Int
    /// The smallest score in the bin.
    public var lower: Double
    public var candidates: Int
    public var selected: Int

    public init(bin: Int, lower: Double, candidates: Int, selected: Int) {
        self.bin = bin
        self.lower = lower
        self.candidates = candidates
        self.selected = selected
    }
}

/// Candidates and chosen units of one (task, score bin) group.
public struct GroupCount: Sendable, Hashable, Codable {
    public var task: String
    public var bin: Int
    public var candidates: Int
    public var selected: Int

    public init(task: String, bin: Int, candidates: Int, selected: Int) {
        self.task = task
        self.bin = bin
        self.candidates = candidates
        self.selected = selected
    }
}

/// One balanced selection (the RL trajectories or the SFT samples): the counts before ("candidates")
/// and after ("selected") balancing, per task, per bin and per (task, bin) group, and the shortfall.
public struct BalanceStatistics: Sendable, Hashable, Codable {
    /// How many units the config asked for.
    public var target: Int
    public var candidates: Int
    public var selected: Int
    /// `target - selected` when there were not enough candidates, else 0. Reported, never an error.
    public var shortfall: Int
    /// Every task with a kept trajectory, in byte order of the names (empty ones included).
    public var tasks: [TaskCount]
    /// Every bin, ascending.
    public var bins: [BinCount]
    /// The non-empty groups, by task (byte order) then bin.
    public var groups: [GroupCount]

    public init(target: Int, candidates: Int, selected: Int, shortfall: Int, tasks: [TaskCount], bins: [BinCount], groups: [GroupCount]) {
        self.target = target
        self.candidates = candidates
        self.selected = selected
        self.shortfall = shortfall
        self.tasks = tasks
        self.bins = bins
        self.groups = groups
    }

    init(selection: BalancedSelection, target: Int, tasks names: [String], binning: ScoreBinning) {
        let binCount = binning.topBin + 1
        var tasks = names.map { TaskCount(task: $0, candidates: 0, selected: 0) }
        var bins = (0..<binCount).map { BinCount(bin: $0, lower: binning.lowerBound(of: $0), candidates: 0, selected: 0) }
        var groups = [GroupCount]()
        for (t, name) in names.enumerated() {
            for b in 0..<binCount {
                let g = t * binCount + b
                let candidates = selection.candidates[g], selected = selection.quotas[g]
                tasks[t].candidates += candidates
                tasks[t].selected += selected
                bins[b].candidates += candidates
                bins[b].selected += selected
                if candidates > 0 {
                    groups.append(GroupCount(task: name, bin: b, candidates: candidates, selected: selected))
                }
            }
        }
        let total = selection.candidates.reduce(0, +)
        self.init(
            target: target, candidates: total, selected: selection.chosen.count,
            shortfall: max(0, target - selection.chosen.count), tasks: tasks, bins: bins, groups: groups
        )
    }
}

/// What the split stage did (SPEC §2.6).
public struct SplitStatistics: Sendable, Hashable, Codable {
    /// The settings the split ran with.
    public var config: SplitConfig
    public var keptTrajectories: Int
    /// Samples of the kept trajectories.
    public var samples: Int
    public var variance: VarianceHistogram
    /// RL trajectories, balanced by task and bin of `O_1`.
    public var rl: BalanceStatistics
    /// Samples of the chosen RL trajectories.
    public var rlSamples: Int
    /// SFT samples, balanced by task and bin of the critique score.
    public var sft: BalanceStatistics
    /// Trajectories with at least one chosen SFT sample.
    public var sftTrajectories: Int
    /// Kept trajectories in no candidate set: high variance, not chosen for RL, and some score below
    /// `sft.min_quality`.
    public var unusedTrajectories: Int

    public init(
        config: SplitConfig, keptTrajectories: Int, samples: Int, variance: VarianceHistogram,
        rl: BalanceStatistics, rlSamples: Int, sft: BalanceStatistics, sftTrajectories: Int, unusedTrajectories: Int
    ) {
        self.config = config
        self.keptTrajectories = keptTrajectories
        self.samples = samples
        self.variance = variance
        self.rl = rl
        self.rlSamples = rlSamples
        self.sft = sft
        self.sftTrajectories = sftTrajectories
        self.unusedTrajectories = unusedTrajectories
    }

    enum CodingKeys: String, CodingKey {
        case config, keptTrajectories = "kept_trajectories", samples, variance, rl
        case rlSamples = "rl_samples", sft, sftTrajectories = "sft_trajectories", unusedTrajectories = "unused_trajectories"
    }
}
