/// The split into SFT and RL sets by score variance, with balancing (SPEC §2.6).
///
/// The paper's intent: trajectories whose scores move a lot (high `V`) show the thinker's critique
/// making a difference and give GRPO a reward signal; stable or consistently good trajectories are
/// clean demonstrations for supervised fine-tuning.
///
/// - RL candidates: kept trajectories with `V > rl.min_variance`. `rl.trajectories` of them are
///   chosen, balanced by task and by the bin of `O_1`; every sample of a chosen trajectory is RL.
/// - SFT candidates: the samples of the kept trajectories NOT CHOSEN for RL whose
///   `V <= rl.min_variance` or whose `min(O_1..O_k) >= sft.min_quality`. We read the SPEC's "the
///   other kept trajectories" as "not chosen for RL" rather than "not RL candidates": a high-variance
///   trajectory that RL had no room for but that never scored below `sft.min_quality` is a good SFT
///   demonstration, and dropping it would lose data while the sets stay disjoint either way.
///   `sft.samples` of them are chosen, balanced by task and by the bin of the critique score's
///   overall value.
/// - Balancing is `BalancedSelection`'s three steps with unit id = trajectory id (RL) or sample id
///   (SFT); fewer candidates than asked is a shortfall in the statistics, not an error.
///
/// Every comparison and every bin uses values rounded to 6 decimals. The result depends only on the
/// input as a set (ids, tasks, values), the config and the seed: the chosen ids do not change with
/// the input order (the indices returned follow it).
package enum VarianceSplit {
    /// Throws `CurationError` for a config it cannot use, before looking at the input.
    package static func apply(_ input: SplitInput, config: SplitConfig) throws -> SplitResult {
        let binning = try config.validated()
        let binCount = binning.topBin + 1
        let trajectories = input.trajectories

        let (task, taskNames) = taskRanks(trajectories)

        let minVariance = ScoreBinning.micros(config.rlMinVariance)
        let minQuality = ScoreBinning.micros(config.sftMinQuality)

        // RL: candidates, then the balanced choice among them.
        var histogram = VarianceHistogram(threshold: JSONNumber.round6(config.rlMinVariance))
        var rlCandidates = [Int](), rlTasks = [Int32](), rlBins = [Int32]()
        for (i, trajectory) in trajectories.enumerated() {
            let variance = ScoreBinning.micros(trajectory.variance)
            histogram.record(micros: variance, above: variance > minVariance)
            if variance > minVariance {
                rlCandidates.append(i)
                rlTasks.append(task[i])
                rlBins.append(Int32(binning.bin(of: trajectory.firstOverall)))
            }
        }
        let rl = BalancedSelection(
            tasks: rlTasks, bins: rlBins, taskCount: taskNames.count, binCount: binCount,
            target: config.rlTrajectories, seed: config.seed
        ) { position, text in text.append(contentsOf: trajectories[rlCandidates[position]].id.utf8) }
        let rlChosen = rl.chosen.map { rlCandidates[$0] }

        // SFT: samples of the trajectories RL did not take, low variance or consistently good.
        var inRL = [Bool](repeating: false, count: trajectories.count)
        for i in rlChosen { inRL[i] = true }
        var sftEligible = [Bool](repeating: false, count: trajectories.count)
        var unused = 0
        for (i, trajectory) in trajectories.enumerated() where !inRL[i] {
            let lowVariance = ScoreBinning.micros(trajectory.variance) <= minVariance
            let highQuality = ScoreBinning.micros(trajectory.minOverall) >= minQuality
            sftEligible[i] = lowVariance || highQuality
            if !sftEligible[i] { unused += 1 }
        }
        var rlSamples = [Int](), sftCandidates = [Int](), sftTasks = [Int32](), sftBins = [Int32]()
        for (j, sample) in input.samples.enumerated() {
            if inRL[sample.trajectory] {
                rlSamples.append(j)
            } else if sftEligible[sample.trajectory] {
                sftCandidates.append(j)
                sftTasks.append(task[sample.trajectory])
                sftBins.append(Int32(binning.bin(of: sample.critiqueOverall)))
            }
        }
        let sft = BalancedSelection(
            tasks: sftTasks, bins: sftBins, taskCount: taskNames.count, binCount: binCount,
            target: config.sftSamples, seed: config.seed
        ) { position, text in
            let sample = input.samples[sftCandidates[position]]
            SampleID.appendUTF8(trajectory: trajectories[sample.trajectory].id, turn: sample.turn, to: &text)
        }
        let sftChosen = sft.chosen.map { sftCandidates[$0] }

        var sftFrom = [Bool](repeating: false, count: trajectories.count)
        var sftTrajectories = 0
        for j in sftChosen where !sftFrom[input.samples[j].trajectory] {
            sftFrom[input.samples[j].trajectory] = true
            sftTrajectories += 1
        }

        let statistics = SplitStatistics(
            config: config,
            keptTrajectories: trajectories.count,
            samples: input.samples.count,
            variance: histogram,
            rl: BalanceStatistics(selection: rl, target: config.rlTrajectories, tasks: taskNames, binning: binning),
            rlSamples: rlSamples.count,
            sft: BalanceStatistics(selection: sft, target: config.sftSamples, tasks: taskNames, binning: binning),
            sftTrajectories: sftTrajectories,
            unusedTrajectories: unused
        )
        return SplitResult(rlTrajectories: rlChosen, rlSamples: rlSamples, sftSamples: sftChosen, statistics: statistics)
    }

    /// Each trajectory's task as its rank among the task names in byte order, and the names in that
    /// order: one dictionary lookup per trajectory, array indices from then on.
    static func taskRanks(_ trajectories: [SplitTrajectory]) -> (ranks: [Int32], names: [String]) {
        var indexOfName = [String: Int32]()
        var names = [String]()
        var ranks = [Int32]()
        ranks.reserveCapacity(trajectories.count)
        for trajectory in trajectories {
            if let index = indexOfName[trajectory.task] {
                ranks.append(index)
            } else {
                let index = Int32(names.count)
                indexOfName[trajectory.task] = index
                names.append(trajectory.task)
                ranks.append(index)
            }
        }
        let byteOrder = names.indices.sorted { String.byteOrder(names[$0], names[$1]) }
        var rankOfIndex = [Int32](repeating: 0, count: names.count)
        for (rank, index) in byteOrder.enumerated() { rankOfIndex[index] = Int32(rank) }
        for i in ranks.indices { ranks[i] = rankOfIndex[Int(ranks[i])] }
        return (ranks, byteOrder.map { names[$0] })
    }
}
