import Foundation
import ThinkEditCore
import ThinkEditStore
import ThinkEditSynthetic

/// `thinkedit run`: imports the pool if the run has none (from `pool.path`, or a synthetic pool
/// made on first use from `pool.synth`), then brings every stage up to date in order. Each stage
/// resumes where it stopped.
public enum RunPipeline {
    /// Brings every stage up to date, in pipeline order (a stage already settled through another's
    /// upstream is not run twice).
    public static func run(_ context: StageContext) async throws {
        try importPoolIfNeeded(context)
        for stage in StageGraph.stages {
            try await StageRunner.run(stage, context)
        }
    }

    /// The run's pool, on first use.
    public static func importPoolIfNeeded(_ context: StageContext) throws {
        let store = context.store
        guard try store.poolCount() == 0 else { return }
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
            if try store.trajectoryCount() > 0 { return }
            throw PipelineError.noPool(config: config.file)
        }
        let id = try store.beginStage(.pool, fingerprint: StageRunner.fingerprint(["pool/1", file]))
        do {
            let s = try PoolImporter(config: config, store: store).importFile(file)
            try store.finishStage(id, status: .done, counts: StageResult(counts: [("items", s.inserted), ("images", s.images)], summary: "").countsJSON,
                                  stats: nil)
            context.log("pool: \(s.inserted) items imported from \(file)")
        } catch {
            try? store.finishStage(id, status: .failed, counts: nil, stats: nil, message: "\(error)")
            throw error
        }
    }
}

/// Pipeline-level problems with what to do about them.
public enum PipelineError: Error, CustomStringConvertible {
    case noPool(config: String)

    public var description: String {
        switch self {
        case .noPool(let c):
            return "\(c): the run has no pool and the config names none: set `pool: {path: FILE.jsonl}` or `pool: {synth: {count: N}}`, or import trajectories with `thinkedit trajectories import`."
        }
    }
}
