import Foundation
import ThinkEditCore
import ThinkEditStore

/// `thinkedit filter` (SPEC §2.4): keeps the trajectories that improved and truncates them at their
/// best step. A thin shell around `TrajectoryFilter`; its output depends only on the trajectories
/// and scores (the run's data version).
public struct FilterStage: PipelineStage {
    public init() {}
    public var name: StageName { .filter }
    public var upstream: [any PipelineStage] { [] }

    public func fingerprint(_ context: StageContext) throws -> String {
        StageRunner.fingerprint(["filter/1", String(try context.store.dataVersion())])
    }

    public func run(_ context: StageContext) async throws -> StageResult {
        let (seqs, trajectories) = try context.store.curationInputs()
        let (decisions, stats) = TrajectoryFilter.apply(trajectories)
        try context.store.replaceCuration(seqs: seqs, turnCounts: trajectories.map(\.scores.count), decisions: decisions)
        let dropped = DropReason.allCases.filter { stats.dropped[$0] > 0 }.map { "\($0.rawValue) \(stats.dropped[$0])" }
        return StageResult(
            counts: [("trajectories", stats.trajectories), ("kept", stats.kept), ("dropped", stats.dropped.total)],
            statsJSON: try encodeJSON(stats),
            summary: "\(stats.kept) of \(stats.trajectories) trajectories kept" + (dropped.isEmpty ? "" : "; dropped: " + dropped.joined(separator: ", ")))
    }
}

/// `thinkedit unroll` (SPEC §2.5): one refine sample per kept step, plus a stop sample when the
/// expert stopped at the best step (`stop_samples`).
public struct UnrollStage: PipelineStage {
    public init() {}
    public var name: StageName { .unroll }
    public var upstream: [any PipelineStage] { [FilterStage()] }

    public func fingerprint(_ context: StageContext) throws -> String {
        StageRunner.fingerprint(["unroll/1", String(context.config.curation.stopSamples), try FilterStage().fingerprint(context)])
    }

    public func run(_ context: StageContext) async throws -> StageResult {
        let kept = try context.store.keptTrajectories()
        var samples: [UnrolledSample] = []
        var owner: [(Int64, UnrolledSample)] = []
        var stats = UnrollStatistics(stopSamplesEnabled: context.config.curation.stopSamples)
        for (i, row) in kept.enumerated() {
            samples.removeAll(keepingCapacity: true)
            Unroll.append(index: i, turnCount: row.turnCount, endReason: row.endReason, kept: row.kept,
                          stopSamples: context.config.curation.stopSamples, to: &samples)
            stats.trajectories += 1
            for s in samples {
                stats.record(s)
                owner.append((row.seq, s))
            }
        }
        try context.store.replaceSamples(owner.map { (trajectorySeq: $0.0, sample: $0.1) })
        return StageResult(
            counts: [("samples", owner.count), ("refine", stats.refineSamples), ("stop", stats.stopSamples)],
            statsJSON: try encodeJSON(stats),
            summary: "\(owner.count) samples (\(stats.refineSamples) refine, \(stats.stopSamples) stop) from \(kept.count) trajectories")
    }
}

/// `thinkedit split` (SPEC §2.6): the high-variance RL set and the SFT set, each balanced by task
/// and score bin with the water-filling rule.
public struct SplitStage: PipelineStage {
    public init() {}
    public var name: StageName { .split }
    public var upstream: [any PipelineStage] { [UnrollStage()] }

    func splitConfig(_ config: RunConfig) -> SplitConfig {
        let c = config.curation
        return SplitConfig(rlMinVariance: c.rlMinVariance, rlTrajectories: c.rlTrajectories, sftSamples: c.sftSamples,
                           sftMinQuality: c.sftMinQuality, binWidth: c.binWidth, seed: config.seed)
    }

    public func fingerprint(_ context: StageContext) throws -> String {
        StageRunner.fingerprint(["split/1", try encodeJSON(splitConfig(context.config)), try UnrollStage().fingerprint(context)])
    }

    public func run(_ context: StageContext) async throws -> StageResult {
        let (trajectoryRows, sampleRows) = try context.store.splitInputs()
        var index: [Int64: Int] = [:]
        index.reserveCapacity(trajectoryRows.count)
        for (i, t) in trajectoryRows.enumerated() { index[t.seq] = i }
        let input = SplitInput(
            trajectories: trajectoryRows.map(\.trajectory),
            samples: sampleRows.map { SplitSample(trajectory: index[$0.trajectorySeq]!, turn: $0.turn, critiqueOverall: $0.critiqueOverall) })
        let result = try VarianceSplit.apply(input, config: splitConfig(context.config))
        try context.store.replaceSplit(rl: result.rlSamples.map { sampleRows[$0].seq }, sft: result.sftSamples.map { sampleRows[$0].seq })
        let s = result.statistics
        var summary = "RL \(result.rlTrajectories.count) trajectories (\(result.rlSamples.count) samples), SFT \(result.sftSamples.count) samples"
        if s.rl.shortfall > 0 { summary += "; RL short by \(s.rl.shortfall) of \(s.rl.target)" }
        if s.sft.shortfall > 0 { summary += "; SFT short by \(s.sft.shortfall) of \(s.sft.target)" }
        return StageResult(
            counts: [("rl_trajectories", result.rlTrajectories.count), ("rl_samples", result.rlSamples.count),
                     ("sft_samples", result.sftSamples.count), ("rl_shortfall", s.rl.shortfall), ("sft_shortfall", s.sft.shortfall)],
            statsJSON: try encodeJSON(s), summary: summary)
    }
}

/// Statistics and settings as compact JSON with sorted keys: stable text for fingerprints.
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
