import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditSynthetic

extension BackendsSettings {
    static func read(_ mapping: ConfigReader.Mapping?, reader: ConfigReader, resolve: (String) -> String) throws -> BackendsSettings {
        guard var m = mapping else {
            return BackendsSettings(thinker: .synthetic(role: "thinker"), scorer: .synthetic(role: "scorer"),
                                    editors: [.synthetic(role: "editor")])
        }
        let thinker = try m.mapping("thinker").map { try BackendSettings.read($0, role: "thinker", reader: reader, resolve: resolve) }
            ?? .synthetic(role: "thinker")
        let scorer = try m.mapping("scorer").map { try BackendSettings.read($0, role: "scorer", reader: reader, resolve: resolve) }
            ?? .synthetic(role: "scorer")
        var editors: [BackendSettings] = [.synthetic(role: "editor")]
        if let node = m.value("editor") {
            switch node {
            case .sequence(let seq):
                editors = try seq.enumerated().map { i, item in
                    try BackendSettings.read(try ConfigReader.Mapping(reader: reader, node: item, path: "backends.editor[\(i)]"),
                                             role: "editor", reader: reader, resolve: resolve)
                }
                if editors.isEmpty { throw reader.error(.invalidValue, node, "backends.editor", "the editor list is empty") }
                let names = editors.map(\.name)
                if Set(names).count != names.count {
                    throw reader.error(.invalidValue, node, "backends.editor", "two editors share a name (\(names.joined(separator: ", "))): give each a distinct `name`")
                }
            default:
                editors = [try BackendSettings.read(try ConfigReader.Mapping(reader: reader, node: node, path: "backends.editor"),
                                                    role: "editor", reader: reader, resolve: resolve)]
            }
        }
        try m.finish()
        for (b, allowed) in [(thinker, [BackendKind.synthetic, .openai]), (scorer, [.synthetic, .openai])] where !allowed.contains(b.kind) {
            throw reader.error(.invalidValue, nil, "backends.\(b.role).kind", "\(b.kind.rawValue) cannot be a \(b.role): use synthetic or openai")
        }
        for e in editors where !BackendKind.editorKinds.contains(e.kind) {
            throw reader.error(.invalidValue, nil, "backends.editor.kind",
                "openai (chat) cannot edit images: use \(BackendKind.editorKinds.map(\.rawValue).joined(separator: ", "))")
        }
        return BackendsSettings(thinker: thinker, scorer: scorer, editors: editors)
    }
}

extension BackendSettings {
    static func synthetic(role: String) -> BackendSettings {
        BackendSettings(role: role, name: "synthetic", kind: .synthetic, baseURL: nil, endpoints: [], model: nil,
                        apiKeyEnv: nil, apiKeyFile: nil, concurrency: 8, weight: 1, temperature: nil, maxTokens: nil,
                        timeoutSeconds: 300, maxRetries: 6, requestsPerMinute: nil, tokensPerMinute: nil,
                        pricePromptPerMillion: 0, priceCompletionPerMillion: 0, extraJSON: nil)
    }

    static func read(_ mapping: ConfigReader.Mapping, role: String, reader: ConfigReader, resolve: (String) -> String) throws -> BackendSettings {
        var m = mapping
        let path = m.path
        let kindText = try m.required(try m.nonEmptyString("kind"), "kind",
            hint: "one of \(BackendKind.allCases.map(\.rawValue).joined(separator: ", "))")
        guard let kind = BackendKind(rawValue: kindText) else {
            throw reader.error(.invalidValue, m.value("kind"), "\(path).kind",
                "unknown backend kind \"\(kindText)\": use one of \(BackendKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var b = BackendSettings.synthetic(role: role)
        b.kind = kind
        b.model = try m.nonEmptyString("model")
        if let profile = try m.nonEmptyString("profile") {
            guard SyntheticEditorProfile.named(profile) != nil else {
                throw reader.error(.invalidValue, m.value("profile"), "\(path).profile",
                    "unknown editor profile \"\(profile)\": use one of \(SyntheticEditorProfile.all.map(\.name).joined(separator: ", ")) (docs/synthetic-world.md, \"Editor profiles\")")
            }
            b.world.profile = profile
        }
        b.name = try m.nonEmptyString("name") ?? b.model ?? b.world.profile ?? kind.rawValue
        b.baseURL = try m.nonEmptyString("base_url")
        b.endpoints = try m.stringList("endpoints") ?? []
        b.apiKeyEnv = try m.nonEmptyString("api_key_env")
        b.apiKeyFile = try m.nonEmptyString("api_key_file").map(resolve)
        b.concurrency = try m.int("concurrency", range: 1...4096) ?? (kind == .synthetic ? 8 : 16)
        b.weight = try m.double("weight", range: 0.000001...1_000_000) ?? 1
        b.temperature = try m.double("temperature", range: 0...2)
        b.maxTokens = try m.int("max_tokens", range: 1...1_000_000)
        b.maxCompletionTokens = try m.int("max_completion_tokens", range: 1...1_000_000)
        if b.maxTokens != nil && b.maxCompletionTokens != nil {
            throw reader.error(.invalidValue, m.value("max_tokens"), "\(path).max_tokens",
                "set one token limit, not both: max_completion_tokens for OpenAI and Azure (their reasoning models take only it; vLLM and SGLang take it too), max_tokens for servers that know only max_tokens")
        }
        b.reasoningEffort = try enumValue(&m, "reasoning_effort", path: path, reader: reader, what: "reasoning effort")
        b.authHeader = try enumValue(&m, "auth_header", path: path, reader: reader, what: "auth header",
                                     hint: " (bearer: Authorization: Bearer KEY; api-key: Azure OpenAI's api-key header)")
        b.timeoutSeconds = try m.double("timeout_seconds", range: 0.001...86_400) ?? 300
        b.maxRetries = try m.int("max_retries", range: 0...100) ?? 6
        b.requestsPerMinute = try m.int("rpm", range: 1...100_000_000)
        b.tokensPerMinute = try m.int("tpm", range: 1...1_000_000_000)
        try b.readPrices(&m)
        b.mode = try enumValue(&m, "mode", path: path, reader: reader, what: "call mode",
                               hint: " (online: one request at a time; batch: the Files and Batches API, docs/operations.md)") ?? .online
        if var batch = try m.mapping("batch") {
            b.batch.pollSeconds = try batch.double("poll_seconds", range: 0...86_400) ?? b.batch.pollSeconds
            b.batch.maxRequests = try batch.int("max_requests", range: 1...50_000) ?? b.batch.maxRequests
            b.batch.maxFileBytes = try batch.double("max_file_mb", range: 0.001...200).map { Int($0 * 1_000_000) } ?? b.batch.maxFileBytes
            try batch.finish()
        }
        if let extra = m.value("extra") {
            guard case .mapping = extra else {
                throw reader.error(.wrongType, extra, "\(path).extra", "expected a mapping of extra request parameters")
            }
            b.extraJSON = try yamlToJSON(extra, reader: reader, path: "\(path).extra")
        }
        if let prompts = try m.nonEmptyString("prompts").map(resolve) {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: prompts, isDirectory: &isFolder), isFolder.boolValue else {
                throw reader.error(.invalidValue, m.value("prompts"), "\(path).prompts",
                    "\(prompts) is not a folder: name a folder of prompt files, or remove the key to use the built-in prompts (`thinkedit prompts export DIR` writes them out to edit)")
            }
            b.promptsDir = prompts
        }
        if let format = try m.nonEmptyString("answer_format") {
            guard ["json", "tags"].contains(format) else {
                throw reader.error(.invalidValue, m.value("answer_format"), "\(path).answer_format",
                    "unknown answer format \"\(format)\": use json (is_satisfied / reason / new_rewritten_prompt) or tags (<think>/<score>/<answer>)")
            }
            b.answerFormat = format
        }
        b.jsonMode = try m.bool("json_mode")
        b.enhancePrompt = try m.bool("enhance_prompt")
        let editorOptions = try b.readEditorOptions(&m, reader: reader)
        try b.world.read(&m)
        if m.has("api_key") {
            throw reader.error(.invalidValue, m.value("api_key"), "\(path).api_key",
                "a key never goes in the config: put it in an environment variable and name it with api_key_env")
        }
        try m.finish()
        try b.check(m, path: path, editorOptions: editorOptions, reader: reader)
        return b
    }
}

extension BackendSettings {
    /// `price` and `batch_price`.
    mutating func readPrices(_ m: inout ConfigReader.Mapping) throws {
        if var price = try m.mapping("price") {
            self.pricePromptPerMillion = try price.double("prompt_per_million", range: 0...1_000_000) ?? 0
            self.priceCompletionPerMillion = try price.double("completion_per_million", range: 0...1_000_000) ?? 0
            self.priceCachedPromptPerMillion = try price.double("cached_prompt_per_million", range: 0...1_000_000)
            self.pricePerImage = try price.double("per_image", range: 0...1_000_000) ?? 0
            try price.finish()
        }
        if var price = try m.mapping("batch_price") {
            self.batchPricePromptPerMillion = try price.double("prompt_per_million", range: 0...1_000_000)
            self.batchPriceCompletionPerMillion = try price.double("completion_per_million", range: 0...1_000_000)
            self.batchPriceCachedPromptPerMillion = try price.double("cached_prompt_per_million", range: 0...1_000_000)
            try price.finish()
        }
    }
}

extension SyntheticWorldSettings {
    /// The synthetic world's dials of one backend (checked against its kind and role later).
    mutating func read(_ m: inout ConfigReader.Mapping) throws {
        self.failureScale = try m.double("failure_scale", range: 0...100)
        if var failures = try m.mapping("failures") {
            for key in SyntheticWorldSettings.failureKeys {
                if let factor = try failures.double(key, range: 0...100) { self.failureFactors[key] = factor }
            }
            try failures.finish()
        }
        self.severity = try m.double("failure_severity", range: 0.01...1)
        self.persistence = try m.double("failure_persistence", range: 0...1)
        self.fixEffect = try m.double("fix_effect", range: 0...1)
        self.earlyStop = try m.double("early_stop", range: 0...1)
        self.needlessContinue = try m.double("needless_continue", range: 0...1)
    }
}
