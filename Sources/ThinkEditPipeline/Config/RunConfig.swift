import Foundation
import ThinkEditBackends
import ThinkEditCore

/// Everything a run is configured with, decoded and checked. Paths are absolute (relative ones in
/// the file resolve against the config file's folder). Secrets are never here: a backend names the
/// environment variable (or key file) that holds its key.
package struct RunConfig: Sendable {
    /// The config file this came from (absolute path).
    package var file: String
    package var workdir: String
    package var seed: UInt64
    package var pool: PoolSettings
    package var taxonomy: TaskTaxonomy
    package var images: ImageSettings
    package var generation: GenerationSettings
    package var curation: CurationSettings
    package var export: ExportSettings
    package var backends: BackendsSettings
    /// Spending caps (`budget:`); none by default.
    package var budget = BudgetSettings()
    /// The response cache's folder (`cache:`, default `<workdir>/cache`); nil when `cache: off`.
    /// Only model calls that are paid for (the HTTP backends) go through it.
    package var cache: String? = nil

    /// The run database of this run.
    package var databasePath: String { (workdir as NSString).appendingPathComponent("thinkedit.sqlite") }
}

/// Spending caps in the prices' currency (`budget: {usd: N, generate: {usd: G}, score: {usd: S}}`):
/// `usd` caps the run (generate and score together), the others one stage each. A stage stops
/// before a call or batched request would take its spend past a cap.
package struct BudgetSettings: Sendable, Hashable {
    package var run: Double? = nil
    package var generate: Double? = nil
    package var score: Double? = nil

    init() {}

    package var isEmpty: Bool { run == nil && generate == nil && score == nil }
}

package struct PoolSettings: Sendable, Hashable {
    /// The pool JSONL file `run` imports when the run has no pool yet.
    package var path: String?
    /// A synthetic pool `run` creates on first use (`pool: {synth: {count: 300, seed: 1}}`).
    package var synth: SynthPoolSettings?
}

package struct SynthPoolSettings: Sendable, Hashable {
    package var count: Int
    package var seed: UInt64
    package var imageSize: Int
    /// Relative weights of precise, ambiguous and vague instructions (`precision`).
    var precisionWeights: [Double] = [0.92, 0.05, 0.03]
}

package struct ImageSettings: Sendable, Hashable {
    /// Images with more pixels than this are refused at import (before any allocation).
    package var maxPixels: Int
}

enum FirstTurn: String, Sendable, Hashable, CaseIterable {
    /// `T_1 = T`.
    case original
    /// The expert rewrites `T` before the first edit ("think before edit").
    case rewrite
}

package struct GenerationSettings: Sendable, Hashable {
    package var maxTurns: Int
    var firstTurn: FirstTurn
}

/// The settings of filter, unroll and split (SPEC §2.4–2.6).
package struct CurationSettings: Sendable, Hashable {
    package var stopSamples: Bool
    package var binWidth: Double
    package var rlMinVariance: Double
    package var rlTrajectories: Int
    package var sftSamples: Int
    package var sftMinQuality: Double
    /// Keep trajectories whose editor executed a rewritten prompt (their turns record the prompt
    /// executed) instead of dropping them as `editor_rewrote_prompt`.
    var keepRewrittenPrompts = false
}

package struct ExportSettings: Sendable, Hashable {
    package var dir: String
    /// As the config lists them (the order and repeats go into the settings text, not the files).
    package var formats: [ExportFormat]
    package var maxPixels: Int
    var imagePaths: ExportImagePaths
    var license: String
    var datasetName: String
}

/// How the records name their images (`export.image_paths`).
enum ExportImagePaths: String, Sendable, Hashable, CaseIterable {
    /// The absolute path of each image in the final export folder: every trainer finds the images
    /// whatever its working directory. The default.
    case absolute
    /// `images/<hash>.<ext>`, relative to the split folder: the folder can be moved or copied
    /// whole; each trainer is then told the folder (the run kits in `train/` do).
    case relative
}

package struct BackendsSettings: Sendable, Hashable {
    package var thinker: BackendSettings
    package var scorer: BackendSettings
    /// One or more editors; each pool item gets one by a stable hash of its id, by weight.
    package var editors: [BackendSettings]
}
