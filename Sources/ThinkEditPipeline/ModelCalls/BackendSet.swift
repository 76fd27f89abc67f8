import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore
import ThinkEditSynthetic

/// The run's model backends, built from the config, with the per-backend call limits and prices.
package struct BackendSet: Sendable {
    struct Member<B: Sendable>: Sendable {
        var backend: B
        var settings: BackendSettings
        var limiter: AsyncSemaphore
        /// What of the backend's settings shapes its answers (canonical JSON), the first part of
        /// every response-cache key; nil for a backend whose calls are not cached (the synthetic
        /// ones cost nothing, batch mode's answers arrive through the batch journal).
        var cacheScope: String? = nil

        func cost(_ usage: Usage?) -> Double { settings.cost(usage) }
    }

    /// The response cache (`cache:`), open when a backend's calls go through it.
    var cache: ResponseCache? = nil
    /// Cached backends' requests being sent now (`CallsInFlight`).
    let inFlight = CallsInFlight()

    var thinker: Member<any Thinker>
    var scorer: Member<any Scorer>
    var editors: [String: Member<any Editor>]
    /// Editor names in config order, with their weights, for the stable assignment of items.
    var editorNames: [String]
    var editorWeights: [Double]

    init(config: RunConfig) throws {
        let b = config.backends
        thinker = Member(backend: try Self.thinker(b.thinker, seed: config.seed, prompts: Self.promptsFolder(b.thinker, config: config)),
                         settings: b.thinker,
                         limiter: AsyncSemaphore(limit: b.thinker.concurrency))
        scorer = Member(backend: try Self.scorer(b.scorer, seed: config.seed, prompts: Self.promptsFolder(b.scorer, config: config)),
                        settings: b.scorer,
                        limiter: AsyncSemaphore(limit: b.scorer.concurrency))
        var editors: [String: Member<any Editor>] = [:]
        for e in b.editors {
            editors[e.name] = Member(backend: try Self.editor(e, seed: config.seed), settings: e, limiter: AsyncSemaphore(limit: e.concurrency))
        }
        self.editors = editors
        editorNames = b.editors.map(\.name)
        editorWeights = b.editors.map(\.weight)
        try openCache(config)
    }

    /// Opens the response cache when a backend is paid for and the config has one, and gives each
    /// such backend its cache scope.
    private mutating func openCache(_ config: RunConfig) throws {
        func scope(_ s: BackendSettings) throws -> String? {
            s.kind == .synthetic || s.mode == .batch ? nil : try config.backendSettingsJSON(s).canonicalText
        }
        guard let folder = config.cache else { return }
        thinker.cacheScope = try scope(thinker.settings)
        scorer.cacheScope = try scope(scorer.settings)
        for name in editors.keys { editors[name]!.cacheScope = try scope(editors[name]!.settings) }
        let cached = [thinker.cacheScope, scorer.cacheScope] + editors.values.map(\.cacheScope)
        if cached.contains(where: { $0 != nil }) { cache = try ResponseCache.open(folder: folder) }
    }

    /// Backends given directly (tests, embedding): each with the settings that name and limit it.
    package init(thinker: any Thinker, scorer: any Scorer, editors: [(any Editor, weight: Double)], concurrency: Int) {
        func settings(_ role: String, _ name: String, _ weight: Double = 1) -> BackendSettings {
            var s = BackendSettings.synthetic(role: role)
            s.name = name
            s.concurrency = concurrency
            s.weight = weight
            return s
        }
        self.thinker = Member(backend: thinker, settings: settings("thinker", thinker.name), limiter: AsyncSemaphore(limit: concurrency))
        self.scorer = Member(backend: scorer, settings: settings("scorer", scorer.name), limiter: AsyncSemaphore(limit: concurrency))
        var members: [String: Member<any Editor>] = [:]
        for (e, w) in editors {
            members[e.name] = Member(backend: e, settings: settings("editor", e.name, w), limiter: AsyncSemaphore(limit: concurrency))
        }
        self.editors = members
        editorNames = editors.map(\.0.name)
        editorWeights = editors.map(\.weight)
    }

    /// The editor of a pool item (SPEC §2.2: a stable hash of its id, by weight).
    func editorName(for id: String) -> String {
        editorNames[Derivation.editorIndex(item: id, weights: editorWeights)]
    }

    /// The folder whose files override a chat backend's built-in prompts: its `prompts` key, else
    /// `prompts/` beside the config when that folder exists, else none.
    static func promptsFolder(_ s: BackendSettings, config: RunConfig) -> String? {
        if let folder = s.promptsDir { return folder }
        let beside = ((config.file as NSString).deletingLastPathComponent as NSString).appendingPathComponent("prompts")
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: beside, isDirectory: &isFolder) && isFolder.boolValue ? beside : nil
    }

    private static func thinker(_ s: BackendSettings, seed: UInt64, prompts: String?) throws -> any Thinker {
        switch s.kind {
        case .synthetic:
            return SyntheticExpert(seed: seed, name: s.name == "synthetic" ? "synthetic-expert" : s.name,
                                   earlyStop: s.world.earlyStop ?? 0.25, needlessContinue: s.world.needlessContinue ?? 0.3)
        case .openai:
            let format = ExpertAnswerFormat(rawValue: s.answerFormat ?? "json") ?? .json
            return OpenAIThinker(name: s.name, client: try chatClient(s, jsonMode: s.jsonMode ?? (format == .json)),
                                 prompts: try ExpertPrompts.load(folder: prompts), format: format)
        case .editthinkerHTTP, .openaiImages, .bfl, .geminiImage: throw unusable(s)
        }
    }

    private static func scorer(_ s: BackendSettings, seed: UInt64, prompts: String?) throws -> any Scorer {
        switch s.kind {
        case .synthetic: return SyntheticJudge(seed: seed, name: s.name == "synthetic" ? "synthetic-judge" : s.name)
        case .openai:
            return OpenAIJudge(name: s.name, client: try chatClient(s, jsonMode: s.jsonMode ?? true),
                               prompts: try JudgePrompts.load(folder: prompts))
        case .editthinkerHTTP, .openaiImages, .bfl, .geminiImage: throw unusable(s)
        }
    }

    /// The synthetic editor of a config: its profile's dials (`flux-kontext-dev` when it names
    /// none), then each dial the config sets in the profile's place.
    static func syntheticEditor(_ s: BackendSettings, seed: UInt64) -> SyntheticEditor {
        let kinds: [String: EditFailure] = ["no_change": .noChange, "wrong_target": .wrongTarget, "partial": .partial,
                                            "over_edit": .overEdit, "artifacts": .artifacts]
        let profile = s.world.profile.flatMap(SyntheticEditorProfile.named) ?? .fluxKontextDev
        var factors = profile.failureFactors
        for (key, factor) in s.world.failureFactors { if let kind = kinds[key] { factors[kind] = factor } }
        return SyntheticEditor(seed: seed, name: s.name, failureScale: s.world.failureScale ?? profile.failureScale, failureFactors: factors,
                               severity: s.world.severity ?? profile.severity, persistence: s.world.persistence ?? profile.persistence,
                               fixEffect: s.world.fixEffect ?? profile.fixEffect)
    }

    private static func editor(_ s: BackendSettings, seed: UInt64) throws -> any Editor {
        switch s.kind {
        case .synthetic:
            return syntheticEditor(s, seed: seed)
        case .editthinkerHTTP:
            return EditThinkerHTTPEditor(name: s.name, endpoints: s.endpoints, extra: try extra(s), enhancePrompt: s.enhancePrompt ?? false,
                                         reliability: reliability(s))
        case .openaiImages:
            return OpenAIImagesEditor(name: s.name, baseURL: s.baseURL ?? "", model: s.model ?? "", key: try key(s),
                                      options: s.openAIImagesOptions, extra: try extra(s), authHeader: s.authHeader, reliability: reliability(s))
        case .bfl:
            guard let model = BFLModel(rawValue: s.model ?? "") else { throw unusable(s) }
            return BFLEditor(name: s.name, baseURL: s.baseURL ?? BFLEditor.defaultBaseURL, model: model, key: try requiredKey(s),
                             options: s.bflOptions, extra: try extra(s), reliability: reliability(s))
        case .geminiImage:
            return GeminiImageEditor(name: s.name, baseURL: s.baseURL ?? GeminiImageEditor.defaultBaseURL, model: s.model ?? "",
                                     key: try requiredKey(s), extra: try extra(s), reliability: reliability(s))
        case .openai: throw unusable(s)
        }
    }

    /// The reliability layer of one backend, from its settings (the concurrency limit stays in
    /// `Member.limiter`).
    static func reliability(_ s: BackendSettings) -> Reliability {
        let limiter = (s.requestsPerMinute != nil || s.tokensPerMinute != nil)
            ? RateLimiter(requestsPerMinute: s.requestsPerMinute, tokensPerMinute: s.tokensPerMinute) : nil
        return Reliability(backend: s.name, retry: RetryPolicy(maxRetries: s.maxRetries), timeout: s.timeoutSeconds, limiter: limiter)
    }

    /// The chat client of an `openai` backend, as its settings describe it.
    static func chatClient(_ s: BackendSettings, jsonMode: Bool) throws -> OpenAIChatClient {
        OpenAIChatClient(backend: s.name, baseURL: s.baseURL ?? "", model: s.model ?? "", key: try key(s), temperature: s.temperature,
                         maxTokens: s.maxTokens, maxCompletionTokens: s.maxCompletionTokens, reasoningEffort: s.reasoningEffort,
                         jsonMode: jsonMode, extra: try extra(s), authHeader: s.authHeader, reliability: reliability(s))
    }

    /// The Files and Batches API of an `openai` backend in `mode: batch`.
    static func batchAPI(_ s: BackendSettings) throws -> OpenAIBatchAPI {
        OpenAIBatchAPI(backend: s.name, baseURL: s.baseURL ?? "", key: try key(s), authHeader: s.authHeader, reliability: reliability(s))
    }

    private static func key(_ s: BackendSettings) throws -> APIKey? {
        try APIKey.resolve(backend: "backends.\(s.role) (\(s.name))", env: s.apiKeyEnv, file: s.apiKeyFile)
    }

    /// The key of a hosted service that cannot be called without one.
    private static func requiredKey(_ s: BackendSettings) throws -> APIKey {
        guard let key = try key(s) else {
            throw BackendSetupError(backend: "backends.\(s.role) (\(s.name))", "kind \(s.kind.rawValue) needs a key: set api_key_env or api_key_file")
        }
        return key
    }

    private static func extra(_ s: BackendSettings) throws -> [(String, JSONValue)] {
        guard let text = s.extraJSON else { return [] }
        guard case .object(let pairs) = try JSONParser.parse(text) else { return [] }
        return pairs
    }

    private static func unusable(_ s: BackendSettings) -> BackendSetupError {
        BackendSetupError(backend: "backends.\(s.role)", "kind \(s.kind.rawValue) cannot be a \(s.role)")
    }
}

extension BackendSettings {
    /// What a successful call cost at this backend's prices (its batch prices for a batch
    /// answer: `batch_price`, each unset one half the online price): uncached prompt tokens at the prompt
    /// price, cached ones at the cached price (the prompt price unless `cached_prompt_per_million`
    /// is set), completion tokens (reasoning included) at the completion price, plus the image
    /// price for an editor (`price.per_image`; zero for the expert and the judge).
    package func cost(_ usage: Usage?, batch: Bool = false) -> Double {
        guard let usage else { return pricePerImage }
        let cached = min(max(usage.cachedPromptTokens, 0), usage.promptTokens)
        let onlineCached = priceCachedPromptPerMillion ?? pricePromptPerMillion
        let prompt = batch ? batchPricePromptPerMillion ?? pricePromptPerMillion / 2 : pricePromptPerMillion
        let cachedPrice = batch ? batchPriceCachedPromptPerMillion ?? onlineCached / 2 : onlineCached
        let completion = batch ? batchPriceCompletionPerMillion ?? priceCompletionPerMillion / 2 : priceCompletionPerMillion
        return (Double(usage.promptTokens - cached) * prompt + Double(cached) * cachedPrice
            + Double(usage.completionTokens) * completion) / 1_000_000 + pricePerImage
    }
}
