import Foundation
import ThinkEditCore
import ThinkEditStore

/// `thinkedit run`: brings every stage up to date in order, from the pool (imported when the run
/// has none) to the export. Each stage resumes where it stopped.
package enum RunPipeline {
    /// Brings every stage up to date, in pipeline order (a stage already settled through another's
    /// upstream is not run twice).
    package static func run(_ context: StageContext) async throws {
        // Every model stage's settings are compared before the first call of any of them, and
        // every stage that changed is named at once.
        var changed: [SettingsChanged] = []
        for stage in StageGraph.stages {
            do { try stage.checkSettings(context) } catch let e as SettingsChanged { changed.append(e) }
        }
        if !changed.isEmpty { throw SettingsChanged(changed) }
        for stage in StageGraph.stages {
            try await StageRunner.run(stage, context)
            // What a stage freed goes back to the system before the next one allocates: one
            // process running every stage then peaks no higher than the largest stage alone.
            Heap.releaseFreed()
        }
    }
}

/// Pipeline-level problems with what to do about them.
enum PipelineError: Error, CustomStringConvertible {
    case noPool(config: String)

    package var description: String {
        switch self {
        case .noPool(let c):
            return "\(c): the run has no pool and the config names none: set `pool: {path: FILE.jsonl}` or `pool: {synth: {count: N}}`, or import trajectories with `thinkedit trajectories import`."
        }
    }
}
