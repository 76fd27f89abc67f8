import Foundation
import ThinkEditCore
import ThinkEditStore

/// `thinkedit split` (SPEC §2.6): the high-variance RL set and the SFT set, each balanced by task
/// and score bin with the water-filling rule.
package struct SplitStage: PipelineStage {
    package init() {}
    package var name: StageName { .split }
    package var inputs: [StageName] { [.unroll] }
    package var produces: [OutputTable] { [.splitMember] }

    func splitConfig(_ config: RunConfig) -> SplitConfig {
        let c = config.curation
        return SplitConfig(rlMinVariance: c.rlMinVariance, rlTrajectories: c.rlTrajectories, sftSamples: c.sftSamples,
                           sftMinQuality: c.sftMinQuality, binWidth: c.binWidth, seed: config.seed)
    }

    package func fingerprint(_ context: StageContext) throws -> String {
        StageRunner.fingerprint(["split/2", try JSONWriter.encode(splitConfig(context.config), escapingSlashes: true)]
                                + (try StageGraph.inputFingerprints(self, context)))
    }

    package func run(_ context: StageContext) async throws -> StageResult {
        let inputs = try context.store.read(SplitInputs.fetch)
        let (trajectoryRows, sampleRows) = (inputs.trajectories, inputs.samples)
        var index: [Int64: Int] = [:]
        index.reserveCapacity(trajectoryRows.count)
        for (i, t) in trajectoryRows.enumerated() { index[t.seq] = i }
        let input = SplitInput(
            trajectories: trajectoryRows.map(\.trajectory),
            samples: sampleRows.map { SplitSample(trajectory: index[$0.trajectorySeq]!, turn: $0.turn, critiqueOverall: $0.critiqueOverall) })
        let result = try VarianceSplit.apply(input, config: splitConfig(context.config))
        try context.replaceOutput(of: self) { db in
            try RunStore.insertSplit(db, rl: result.rlSamples.map { sampleRows[$0].seq }, sft: result.sftSamples.map { sampleRows[$0].seq })
        }
        let s = result.statistics
        var summary = "RL \(result.rlTrajectories.count) trajectories (\(result.rlSamples.count) samples), SFT \(result.sftSamples.count) samples"
        if s.rl.shortfall > 0 { summary += "; RL short by \(s.rl.shortfall) of \(s.rl.target)" }
        if s.sft.shortfall > 0 { summary += "; SFT short by \(s.sft.shortfall) of \(s.sft.target)" }
        return StageResult(
            counts: [("rl_trajectories", result.rlTrajectories.count), ("rl_samples", result.rlSamples.count),
                     ("sft_samples", result.sftSamples.count), ("rl_shortfall", s.rl.shortfall), ("sft_shortfall", s.sft.shortfall)],
            statsJSON: try JSONWriter.encode(s, escapingSlashes: true), summary: summary)
    }
}
