import Foundation
import ThinkEditBackends
import ThinkEditCore

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
