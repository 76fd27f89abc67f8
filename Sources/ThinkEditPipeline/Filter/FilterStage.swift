import Foundation
import ThinkEditCore
import ThinkEditStore

/// `thinkedit filter` (SPEC §2.4): keeps the trajectories that improved and truncates them at their
/// best step. A thin shell around `TrajectoryFilter`; its output depends only on the trajectories
/// and scores (the run's data version) and on `keep_rewritten_prompts`.
package struct FilterStage: PipelineStage {
    package init() {}
    package var name: StageName { .filter }
    package var inputs: [StageName] { [.score] }
    package var produces: [OutputTable] { [.curation] }

    package func fingerprint(_ context: StageContext) throws -> String {
        StageRunner.fingerprint(["filter/2"] + (try StageGraph.inputFingerprints(self, context))
                                + (context.config.curation.keepRewrittenPrompts ? ["keep_rewritten_prompts"] : []))
    }

    package func run(_ context: StageContext) async throws -> StageResult {
        let inputs = try context.store.read(CurationInputs.fetch)
        let (seqs, trajectories) = (inputs.seqs, inputs.trajectories)
        let (decisions, stats) = TrajectoryFilter.apply(trajectories, keepRewritten: context.config.curation.keepRewrittenPrompts)
        try context.replaceOutput(of: self) { db in
            try RunStore.insertCuration(db, seqs: seqs, turnCounts: trajectories.map(\.scores.count), decisions: decisions)
        }
        let dropped = DropReason.allCases.filter { stats.dropped[$0] > 0 }.map { "\($0.rawValue) \(stats.dropped[$0])" }
        return StageResult(
            counts: [("trajectories", stats.trajectories), ("kept", stats.kept), ("dropped", stats.dropped.total)],
            statsJSON: try JSONWriter.encode(stats, escapingSlashes: true),
            summary: "\(stats.kept) of \(stats.trajectories) trajectories kept" + (dropped.isEmpty ? "" : "; dropped: " + dropped.joined(separator: ", ")))
    }
}
