import Foundation
import ThinkEditCore
import ThinkEditStore
import ThinkEditSynthetic

/// The pool as a stage: on a run with no pool yet it imports the config's (`pool.path`, or a
/// synthetic pool written on first use from `pool.synth`); on a run that has one (imported here,
/// by `pool import`, or merged from shards) it does nothing. Generation reads its output, so
/// `generate` and `run` bring it up to date first, and a shard's work directory starts from the
/// config's pool like a one-process run does.
struct PoolStage: PipelineStage {
    init() {}
    package var name: StageName { .pool }
    package var inputs: [StageName] { [] }

    /// What the pool comes from, and how many items the run has: importing changes the second
    /// part, so the fingerprint a run leaves (`finalFingerprint`) is the one the next check computes.
    package func fingerprint(_ context: StageContext) throws -> String {
        StageRunner.fingerprint(["pool/3", context.config.poolSettings()?.id ?? "none", String(try context.store.poolCount())])
    }

    package func checkSettings(_ context: StageContext) throws { try SettingsGuard.checkPool(context) }

    /// A pool whose source changed stops the run (`SettingsGuard.checkPool`) unless told: with
    /// `--recompute` the pool and everything made from it go, and the config's pool comes in anew;
    /// with `--keep` the old pool stays. A synthetic pool that only grew keeps its items and gains
    /// the new ones (the same seed makes the same first items).
    package func adoptSettings(_ context: StageContext) throws {
        try SettingsGuard.checkPool(context)
        switch try SettingsGuard.poolState(context) {
        case .same, .grown: break
        case .unrecorded(let record):
            try context.store.recordPoolSettings(record)
        case .changed(let record, _, let items):
            if context.settingsPolicy == .recompute {
                try context.store.clearPool()
                context.log("pool: the config's pool changed; \(items) items and the work made from them removed, the pool is imported anew")
            } else {
                try context.store.keepPoolSettings(record)
                context.log("pool: the config's pool changed; keeping the run's \(items) items (--keep)")
            }
        }
    }

    package func run(_ context: StageContext) async throws -> StageResult {
        let store = context.store
        let existing = try store.poolCount()
        var grownFrom: Int? = nil
        if existing > 0 {
            guard case .grown(_, let from) = try SettingsGuard.poolState(context) else {
                return StageResult(counts: [("items", existing)], summary: "\(existing) items already in the run",
                                   finalFingerprint: try fingerprint(context))
            }
            grownFrom = from
        }
        let config = context.config
        var file = config.pool.path
        if file == nil, let synth = config.pool.synth {
            let folder = (config.workdir as NSString).appendingPathComponent("pool")
            let count = try SyntheticPool.write(
                count: synth.count, seed: synth.seed, to: folder, imageSize: synth.imageSize,
                precisionMix: PrecisionMix(precise: synth.precisionWeights[0], ambiguous: synth.precisionWeights[1], vague: synth.precisionWeights[2]))
            context.log("pool: \(count) synthetic items written to \(folder)" + (grownFrom.map { " (synth.count \($0) → \(count))" } ?? ""))
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
        if let record = config.poolSettings() { try store.recordPoolSettings(record) }
        return StageResult(counts: [("items", s.inserted), ("images", s.images)], summary: "\(s.inserted) items imported from \(file)",
                           finalFingerprint: try fingerprint(context))
    }
}
