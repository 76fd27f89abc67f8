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

package enum BackendKind: String, Sendable, Hashable, CaseIterable {
    case synthetic
    case openai
    case editthinkerHTTP = "editthinker-http"
    case openaiImages = "openai-images"
    /// Black Forest Labs' hosted FLUX.1 Kontext [pro] / [max].
    case bfl
    /// Google's Gemini image models through generateContent.
    case geminiImage = "gemini-image"

    /// The kinds that can be a backend's editor.
    static let editorKinds: [BackendKind] = [.synthetic, .editthinkerHTTP, .openaiImages, .bfl, .geminiImage]
    /// The hosted services that need a key.
    var needsKey: Bool { self == .bfl || self == .geminiImage }
}

/// One model backend. Which keys matter depends on `kind`.
package struct BackendSettings: Sendable, Hashable {
    package var role: String
    package var name: String
    package var kind: BackendKind
    package var baseURL: String?
    package var endpoints: [String]
    package var model: String?
    /// Name of the environment variable that holds the API key (never the key itself).
    var apiKeyEnv: String?
    /// A file whose content is the API key.
    var apiKeyFile: String?
    package var concurrency: Int
    package var weight: Double
    /// Sent only when set (reasoning models refuse it).
    package var temperature: Double?
    /// `max_tokens`, for servers that know only it; at most one of it and `maxCompletionTokens`.
    package var maxTokens: Int?
    /// `max_completion_tokens` (OpenAI's limit, the only one its reasoning models take).
    package var maxCompletionTokens: Int? = nil
    /// `reasoning_effort`, sent as such when set.
    package var reasoningEffort: ReasoningEffort? = nil
    /// The header that carries the key (`auth_header`); nil: implied by `baseURL`.
    package var authHeader: AuthHeader? = nil
    var timeoutSeconds: Double
    package var maxRetries: Int
    package var requestsPerMinute: Int?
    package var tokensPerMinute: Int?
    /// Price in currency units per million prompt / completion tokens.
    var pricePromptPerMillion: Double
    var priceCompletionPerMillion: Double
    /// Price per million prompt tokens the provider served from its cache
    /// (`cached_prompt_per_million`); nil: the prompt price (no discount).
    var priceCachedPromptPerMillion: Double? = nil
    /// Editors: price in currency units of each edited image (`price.per_image`), charged to
    /// every successful edit on top of any token price.
    var pricePerImage: Double = 0
    /// How an `openai` chat backend is called (`mode`): one request at a time, or in batch files
    /// through the provider's Files and Batches API (docs/operations.md, "Batch mode").
    package var mode: CallMode = .online
    /// Batch mode's file limits and polling (`batch:`).
    package var batch = BatchSettings()
    /// Batch prices per million prompt / completion / cached prompt tokens (`batch_price`); each
    /// nil one is half its online price, as OpenAI's Batch API charges.
    var batchPricePromptPerMillion: Double? = nil
    var batchPriceCompletionPerMillion: Double? = nil
    var batchPriceCachedPromptPerMillion: Double? = nil
    /// Extra request parameters passed through to the backend (editthinker-http), as JSON text.
    var extraJSON: String?
    /// The folder whose prompt files override the built-in ones (`prompts`); nil: `prompts/` beside
    /// the config when it exists, else the built-ins alone.
    var promptsDir: String? = nil
    /// How the expert answers (`answer_format`): `json` (default) or `tags` (a trained thinker).
    var answerFormat: String? = nil
    /// Ask a chat backend for a JSON object answer (`json_mode`, default true for openai).
    package var jsonMode: Bool? = nil
    /// editthinker-http: let the server rewrite the prompt before editing (`enhance_prompt`; off
    /// unless set, because the recorded instruction is then not what the editor ran).
    package var enhancePrompt: Bool? = nil
    /// openai-images: `quality`, `size`, `input_fidelity`, each sent only when set.
    var openAIImagesOptions = OpenAIImagesOptions()
    /// bfl: `prompt_upsampling`, `output_format`, `safety_tolerance`, `aspect_ratio`,
    /// `poll_interval_seconds`.
    var bflOptions = BFLOptions()
    /// How the synthetic world behaves in this role (kind `synthetic` only); empty: the defaults.
    package var world = SyntheticWorldSettings()
}

/// How a chat backend's calls travel.
package enum CallMode: String, Sendable, Hashable, CaseIterable {
    /// One HTTP request per call, answered at once.
    case online
    /// Batch files through the Files and Batches API, answered within 24 hours at batch prices.
    case batch
}

/// Batch mode's settings (`batch:` of a backend).
package struct BatchSettings: Sendable, Hashable {
    /// Seconds between two looks at the batches in flight (`poll_seconds`).
    var pollSeconds: Double = 60
    /// The most requests in one file (`max_requests`; OpenAI takes 50,000).
    package var maxRequests: Int = 50_000
    /// The most bytes in one file (`max_file_mb`, in units of 1,000,000 bytes; OpenAI takes 200 MB).
    package var maxFileBytes: Int = 200_000_000

    init() {}
}

/// The synthetic backends' dials (docs/synthetic-world.md). Nil or empty means the built-in value.
package struct SyntheticWorldSettings: Sendable, Hashable {
    /// Editor: the named set of dials it starts from (`profile: flux-kontext-dev`,
    /// `SyntheticEditorProfile`); the dials below override the profile's one by one.
    package var profile: String? = nil
    /// Editor: multiplies every failure probability (`failure_scale`).
    package var failureScale: Double? = nil
    /// Editor: multiplies one kind of failure (`failures: {no_change, wrong_target, partial,
    /// over_edit, artifacts}`), keyed by those names.
    package var failureFactors: [String: Double] = [:]
    /// Editor: how bad partial edits and artifacts are (`failure_severity`).
    package var severity: Double? = nil
    /// Editor: share of failures that belong to the request and come back at every turn
    /// (`failure_persistence`).
    package var persistence: Double? = nil
    /// Editor: what a fix clause multiplies its failure's probability by (`fix_effect`).
    package var fixEffect: Double? = nil
    /// Expert: chance of accepting a nearly-right edit (`early_stop`).
    package var earlyStop: Double? = nil
    /// Expert: chance of asking for another round although the edit is right (`needless_continue`).
    package var needlessContinue: Double? = nil

    init() {}

    /// Stable text for stage fingerprints; empty when every dial has its built-in value.
    package var fingerprint: String {
        var parts: [String] = []
        if let profile { parts.append("profile=\(profile)") }
        if let failureScale { parts.append("failure_scale=\(failureScale)") }
        for key in failureFactors.keys.sorted() { parts.append("\(key)=\(failureFactors[key]!)") }
        if let severity { parts.append("failure_severity=\(severity)") }
        if let persistence { parts.append("failure_persistence=\(persistence)") }
        if let fixEffect { parts.append("fix_effect=\(fixEffect)") }
        if let earlyStop { parts.append("early_stop=\(earlyStop)") }
        if let needlessContinue { parts.append("needless_continue=\(needlessContinue)") }
        return parts.joined(separator: ";")
    }

    /// The keys of `failures:`.
    static let failureKeys = ["no_change", "wrong_target", "partial", "over_edit", "artifacts"]
}

package struct BackendsSettings: Sendable, Hashable {
    package var thinker: BackendSettings
    package var scorer: BackendSettings
    /// One or more editors; each pool item gets one by a stable hash of its id, by weight.
    package var editors: [BackendSettings]
}
