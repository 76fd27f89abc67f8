import Foundation
import ThinkEditCore
import ThinkEditStore
import ThinkEditSynthetic

/// The pool as a stage: on a run with no pool yet it imports the config's (`pool.path`, or a
/// synthetic pool written on first use from `pool.synth`); on a run that has one (imported here,
/// by `pool import`, or merged from shards) it does nothing. Generation reads its output, so
/// `generate` and `run` bring it up to date first, and a shard's work directory starts from the
/// config's pool like a one-process run does.
package struct PoolStage: PipelineStage {
    package init() {}
    package var name: StageName { .pool }
    package var upstream: [any PipelineStage] { [] }

    /// What the pool comes from, and whether the run has one: importing changes the second part,
    /// so the fingerprint a run leaves (`finalFingerprint`) is the one the next check computes.
    package func fingerprint(_ context: StageContext) throws -> String {
        let c = context.config
        let source = c.pool.path ?? c.pool.synth.map { "synth:\($0.count):\($0.seed):\($0.imageSize):\($0.precisionWeights)" } ?? "none"
        return StageRunner.fingerprint(["pool/2", source, try context.store.poolCount() > 0 ? "present" : "absent"])
    }

    package func run(_ context: StageContext) async throws -> StageResult {
        let store = context.store
        let existing = try store.poolCount()
        if existing > 0 {
            return StageResult(counts: [("items", existing)], summary: "\(existing) items already in the run",
                               finalFingerprint: try fingerprint(context))
        }
        let config = context.config
        var file = config.pool.path
        if file == nil, let synth = config.pool.synth {
            let folder = (config.workdir as NSString).appendingPathComponent("pool")
            let count = try SyntheticPool.write(
                count: synth.count, seed: synth.seed, to: folder, imageSize: synth.imageSize,
                precisionMix: PrecisionMix(precise: synth.precisionWeights[0], ambiguous: synth.precisionWeights[1], vague: synth.precisionWeights[2]))
            context.log("pool: \(count) synthetic items written to \(folder)")
            file = (folder as NSString).appendingPathComponent("pool.jsonl")
        }
        guard let file else {
            // A run made by `trajectories import` needs no pool.
            if try store.trajectoryCount() > 0 {
                return StageResult(counts: [("items", 0)], summary: "no pool; the run's trajectories were imported",
                                   finalFingerprint: try fingerprint(context))
            }
            throw PipelineError.noPool(config: config.file)
        }
        let s = try PoolImporter(config: config, store: store).importFile(file)
        return StageResult(counts: [("items", s.inserted), ("images", s.images)], summary: "\(s.inserted) items imported from \(file)",
                           finalFingerprint: try fingerprint(context))
    }
}
