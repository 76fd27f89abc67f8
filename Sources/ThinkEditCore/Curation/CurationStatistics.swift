// Stage statistics of filter, unroll and split: Codable values that the stages store as JSON, that
// `status` prints and that the report draws. Keys are snake_case like the rest of the run's JSON;
// histograms are lists of rows so that every row says what it counts.

/// Trajectories dropped by the filter, per reason.
package struct DropCounts: Sendable, Hashable, Codable {
    package var failed = 0
    package var pending = 0
    var editorRewrotePrompt = 0
    package var unscored = 0
    package var singleTurn = 0
    var noImprovement = 0

    init() {}

    package subscript(reason: DropReason) -> Int {
        get {
            switch reason {
            case .failed: failed
            case .pending: pending
            case .editorRewrotePrompt: editorRewrotePrompt
            case .unscored: unscored
            case .singleTurn: singleTurn
            case .noImprovement: noImprovement
            }
        }
        set {
            switch reason {
            case .failed: failed = newValue
            case .pending: pending = newValue
            case .editorRewrotePrompt: editorRewrotePrompt = newValue
            case .unscored: unscored = newValue
            case .singleTurn: singleTurn = newValue
            case .noImprovement: noImprovement = newValue
            }
        }
    }

    /// All dropped trajectories.
    package var total: Int { DropReason.allCases.reduce(0) { $0 + self[$1] } }

    enum CodingKeys: String, CodingKey {
        case failed, pending, editorRewrotePrompt = "editor_rewrote_prompt", unscored, singleTurn = "single_turn",
             noImprovement = "no_improvement"
    }

    /// Statistics written before a reason existed read it as 0.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for reason in DropReason.allCases {
            // Each key is the reason's name (`dropCountsRoundTripUnderTheReasonsNames` checks it).
            self[reason] = try CodingKeys(rawValue: reason.rawValue).flatMap { try c.decodeIfPresent(Int.self, forKey: $0) } ?? 0
        }
    }
}

/// One row of the truncation histogram: how many kept trajectories have `k` turns.
package struct LengthCount: Sendable, Hashable, Codable {
    package var k: Int
    package var count: Int

    init(k: Int, count: Int) {
        self.k = k
        self.count = count
    }
}

/// What the filter stage did (SPEC §2.4). Fill it with `record` one trajectory at a time, or get it
/// from `TrajectoryFilter.apply`.
package struct FilterStatistics: Sendable, Hashable, Codable {
    package var trajectories = 0
    package var kept = 0
    package var dropped = DropCounts()
    /// Kept trajectories per truncation length `k`, one row for every k from 2 to the largest seen.
    package var lengths: [LengthCount] = []
    /// Kept trajectories cut before their last turn (`k < n`).
    package var truncated = 0
    /// Turns removed by truncation, over all kept trajectories.
    package var turnsCut = 0
    /// Kept trajectories in which an editor executed a rewritten prompt (`keep_rewritten_prompts`).
    var keptRewritten = 0

    init() {}

    /// Counts one verdict; `turns` is the trajectory's `n`.
    package mutating func record(_ decision: FilterDecision, turns: Int, promptRewritten: Bool = false) {
        trajectories += 1
        switch decision {
        case .dropped(let reason):
            dropped[reason] += 1
        case .kept(let kept):
            self.kept += 1
            if promptRewritten { keptRewritten += 1 }
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
        case trajectories, kept, dropped, lengths, truncated, turnsCut = "turns_cut", keptRewritten = "kept_rewritten"
    }

    /// Statistics written before `kept_rewritten` existed read it as 0.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        trajectories = try c.decode(Int.self, forKey: .trajectories)
        kept = try c.decode(Int.self, forKey: .kept)
        dropped = try c.decode(DropCounts.self, forKey: .dropped)
        lengths = try c.decode([LengthCount].self, forKey: .lengths)
        truncated = try c.decode(Int.self, forKey: .truncated)
        turnsCut = try c.decode(Int.self, forKey: .turnsCut)
        keptRewritten = try c.decodeIfPresent(Int.self, forKey: .keptRewritten) ?? 0
    }
}

/// What the unroll stage made (SPEC §2.5).
package struct UnrollStatistics: Sendable, Hashable, Codable {
    /// Kept trajectories unrolled.
    package var trajectories = 0
    package var refineSamples = 0
    package var stopSamples = 0
    /// The `stop_samples` setting the samples were made with.
    package var stopSamplesEnabled: Bool

    package init(stopSamplesEnabled: Bool) {
        self.stopSamplesEnabled = stopSamplesEnabled
    }

    package mutating func record(_ sample: UnrolledSample) {
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
package struct VarianceHistogram: Sendable, Hashable, Codable {
    package static let bucketWidth = 0.25
    static let bucketMicros: Int64 = 250_000

    /// `rl.min_variance`, rounded to 6 decimals.
    package var threshold: Double
    /// `V <= threshold`: not RL candidates.
    package var atOrBelowThreshold = 0
    /// `V > threshold`: the RL candidates.
    package var aboveThreshold = 0
    /// `V = 0`: every kept score equal (a tie with the first turn, for instance).
    package var zero = 0
    package var buckets: [VarianceBucket] = []

    init(threshold: Double) {
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

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try container.decode(Double.self, forKey: .threshold)
        atOrBelowThreshold = try container.decode(Int.self, forKey: .atOrBelowThreshold)
        aboveThreshold = try container.decode(Int.self, forKey: .aboveThreshold)
        zero = try container.decode(Int.self, forKey: .zero)
        buckets = try container.decode([VarianceBucket].self, forKey: .buckets)
    }

    package func encode(to encoder: any Encoder) throws {
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
package struct VarianceBucket: Sendable, Hashable, Codable {
    package var lower: Double
    package var count: Int

    init(lower: Double, count: Int) {
        self.lower = lower
        self.count = count
    }
}

/// Candidates and chosen units of one task.
package struct TaskCount: Sendable, Hashable, Codable {
    package var task: String
    package var candidates: Int
    package var selected: Int

    init(task: String, candidates: Int, selected: Int) {
        self.task = task
        self.candidates = candidates
        self.selected = selected
    }
}

/// Candidates and chosen units of one score bin, over all tasks.
package struct BinCount: Sendable, Hashable, Codable {
    /// The bin number (floor(O / bin_width), clamped).
    package var bin: Int
    /// The smallest score in the bin.
    package var lower: Double
    package var candidates: Int
    package var selected: Int

    init(bin: Int, lower: Double, candidates: Int, selected: Int) {
        self.bin = bin
        self.lower = lower
        self.candidates = candidates
        self.selected = selected
    }
}

/// Candidates and chosen units of one (task, score bin) group.
package struct GroupCount: Sendable, Hashable, Codable {
    package var task: String
    package var bin: Int
    package var candidates: Int
    package var selected: Int

    init(task: String, bin: Int, candidates: Int, selected: Int) {
        self.task = task
        self.bin = bin
        self.candidates = candidates
        self.selected = selected
    }
}

/// One balanced selection (the RL trajectories or the SFT samples): the counts before ("candidates")
/// and after ("selected") balancing, per task, per bin and per (task, bin) group, and the shortfall.
package struct BalanceStatistics: Sendable, Hashable, Codable {
    /// How many units the config asked for.
    package var target: Int
    package var candidates: Int
    package var selected: Int
    /// `target - selected` when there were not enough candidates, else 0. Reported, never an error.
    package var shortfall: Int
    /// Every task with a kept trajectory, in byte order of the names (empty ones included).
    package var tasks: [TaskCount]
    /// Every bin, ascending.
    package var bins: [BinCount]
    /// The non-empty groups, by task (byte order) then bin.
    package var groups: [GroupCount]

    init(target: Int, candidates: Int, selected: Int, shortfall: Int, tasks: [TaskCount], bins: [BinCount], groups: [GroupCount]) {
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
package struct SplitStatistics: Sendable, Hashable, Codable {
    /// The settings the split ran with.
    package var config: SplitConfig
    package var keptTrajectories: Int
    /// Samples of the kept trajectories.
    package var samples: Int
    package var variance: VarianceHistogram
    /// RL trajectories, balanced by task and bin of `O_1`.
    package var rl: BalanceStatistics
    /// Samples of the chosen RL trajectories.
    package var rlSamples: Int
    /// SFT samples, balanced by task and bin of the critique score.
    package var sft: BalanceStatistics
    /// Trajectories with at least one chosen SFT sample.
    var sftTrajectories: Int
    /// Kept trajectories in no candidate set: high variance, not chosen for RL, and some score below
    /// `sft.min_quality`.
    package var unusedTrajectories: Int

    init(
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
