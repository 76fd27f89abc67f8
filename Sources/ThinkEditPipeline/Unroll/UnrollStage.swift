import Foundation
import ThinkEditCore
import ThinkEditStore

/// `thinkedit unroll` (SPEC §2.5): one refine sample per kept step, plus a stop sample when the
/// expert stopped at the best step (`stop_samples`).
package struct UnrollStage: PipelineStage {
    package init() {}
    package var name: StageName { .unroll }
    package var inputs: [StageName] { [.filter] }
    package var produces: [OutputTable] { [.sample] }

    package func fingerprint(_ context: StageContext) throws -> String {
        StageRunner.fingerprint(["unroll/2", String(context.config.curation.stopSamples)] + (try StageGraph.inputFingerprints(self, context)))
    }

    package func run(_ context: StageContext) async throws -> StageResult {
        let kept = try context.store.read(KeptRow.fetchAll)
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
        try context.replaceOutput(of: self) { db in try RunStore.insertSamples(db, owner.map { (trajectorySeq: $0.0, sample: $0.1) }) }
        return StageResult(
            counts: [("samples", owner.count), ("refine", stats.refineSamples), ("stop", stats.stopSamples)],
            statsJSON: try JSONWriter.encode(stats, escapingSlashes: true),
            summary: "\(owner.count) samples (\(stats.refineSamples) refine, \(stats.stopSamples) stop) from \(kept.count) trajectories")
    }
}
