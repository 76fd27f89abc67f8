import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditSynthetic
import Yams

extension RunConfig {
    /// Reads and checks a YAML config. `workdir` overrides the file's `workdir` (the `--workdir`
    /// option). Throws `ConfigError` naming the file, the line and the key.
    package static func load(path: String, workdir override: String? = nil) throws -> RunConfig {
        let file = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConfigError(.unreadable, file: file, line: nil, key: "", "cannot read the config file (\(reason(error))): check the path")
        }
        // Reading and decoding apart, so that a binary file is not reported as a missing one.
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(.unreadable, file: file, line: nil, key: "",
                              "the config file is not UTF-8 text: check that the path names the YAML config, and save it as UTF-8")
        }
        return try parse(text, file: file, workdir: override)
    }

    /// Parses config text as if it were the file `file` (relative paths resolve against its folder).
    package static func parse(_ text: String, file: String, workdir override: String? = nil) throws -> RunConfig {
        let reader = ConfigReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(.missing, file: file, line: nil, key: "", "the config is empty: start from pipeline-configs/demo.yaml")
            }
            root = node
        } catch let error as YamlError {
            throw ConfigError(.syntax, file: file, line: yamlLine(error), key: "", "is not valid YAML: \(yamlProblem(error))")
        }
        let folder = (file as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String { absolutePath(p, relativeTo: folder) }

        var top = try ConfigReader.Mapping(reader: reader, node: root, path: "")

        let workdir: String
        if let override {
            _ = top.value("workdir")
            workdir = absolutePath(override, relativeTo: FileManager.default.currentDirectoryPath)
        } else {
            workdir = resolve(try top.required(try top.nonEmptyString("workdir"), "workdir",
                hint: "name the run's work directory (for example `workdir: runs/demo`) or pass --workdir"))
        }
        let seed = UInt64(try top.int("seed", range: 0...Int.max) ?? 0)

        // pool
        var pool = PoolSettings(path: nil, synth: nil)
        if var p = try top.mapping("pool") {
            pool.path = try p.nonEmptyString("path").map(resolve)
            if var s = try p.mapping("synth") {
                let count = try s.required(try s.int("count", range: 1...100_000_000), "count", hint: "how many synthetic items to make")
                pool.synth = SynthPoolSettings(
                    count: count,
                    seed: UInt64(try s.int("seed", range: 0...Int.max) ?? Int(seed)),
                    imageSize: try s.int("image_size", range: 16...4096) ?? 256)
                if var mix = try s.mapping("precision") {
                    let weights = try ["precise", "ambiguous", "vague"].map { try mix.double($0, range: 0...1_000_000) ?? 0 }
                    if weights.reduce(0, +) <= 0 {
                        throw reader.error(.invalidValue, mix.node, "pool.synth.precision",
                            "give a positive weight to at least one of precise, ambiguous, vague")
                    }
                    try mix.finish()
                    pool.synth?.precisionWeights = weights
                }
                try s.finish()
            }
            if pool.path != nil && pool.synth != nil {
                throw reader.error(.invalidValue, p.node, "pool", "give either `path` or `synth`, not both")
            }
            try p.finish()
        }

        // taxonomy
        var taxonomy = TaskTaxonomy.gedit
        let aliases = try top.stringMap("task_map") ?? [:]
        if let node = top.value("taxonomy") {
            switch node {
            case .scalar(let s):
                switch s.string {
                case "gedit": taxonomy = .gedit
                case "imgedit": taxonomy = .imgedit
                default:
                    throw reader.error(.invalidValue, node, "taxonomy", "unknown taxonomy \"\(s.string)\": use gedit, imgedit, or a list of task names")
                }
            default:
                taxonomy = TaskTaxonomy(tasks: try top.stringList("taxonomy") ?? [])
                if taxonomy.tasks.isEmpty {
                    throw reader.error(.invalidValue, node, "taxonomy", "the task list is empty")
                }
            }
        }
        for (from, to) in aliases.sorted(by: { $0.key < $1.key }) where !taxonomy.tasks.contains(to) {
            throw reader.error(.invalidValue, top.value("task_map"), "task_map.\(from)",
                "maps onto \"\(to)\", which is not in the taxonomy (\(taxonomy.tasks.joined(separator: ", ")))")
        }
        taxonomy = TaskTaxonomy(tasks: taxonomy.tasks, aliases: aliases)

        // images
        var images = ImageSettings(maxPixels: 64_000_000)
        if var m = try top.mapping("images") {
            images.maxPixels = try m.int("max_pixels", range: 1...1_000_000_000) ?? images.maxPixels
            try m.finish()
        }

        // generation
        var generation = GenerationSettings(maxTurns: 5, firstTurn: .original)
        if var g = try top.mapping("generation") {
            generation.maxTurns = try g.int("max_turns", range: 1...100) ?? 5
            if let ft = try g.string("first_turn") {
                guard let v = FirstTurn(rawValue: ft) else {
                    throw reader.error(.invalidValue, g.value("first_turn"), "generation.first_turn", "must be original or rewrite, found \"\(ft)\"")
                }
                generation.firstTurn = v
            }
            try g.finish()
        }

        // curation
        var curation = CurationSettings(stopSamples: true, binWidth: 1, rlMinVariance: 1.0, rlTrajectories: 10_000,
                                        sftSamples: 140_000, sftMinQuality: 7.0)
        curation.stopSamples = try top.bool("stop_samples") ?? true
        curation.keepRewrittenPrompts = try top.bool("keep_rewritten_prompts") ?? false
        curation.binWidth = try top.double("bin_width", range: 0.000001...10) ?? 1
        if var rl = try top.mapping("rl") {
            curation.rlMinVariance = try rl.double("min_variance", range: 0...100) ?? curation.rlMinVariance
            curation.rlTrajectories = try rl.int("trajectories", range: 0...100_000_000) ?? curation.rlTrajectories
            try rl.finish()
        }
        if var sft = try top.mapping("sft") {
            curation.sftSamples = try sft.int("samples", range: 0...1_000_000_000) ?? curation.sftSamples
            curation.sftMinQuality = try sft.double("min_quality", range: 0...10) ?? curation.sftMinQuality
            try sft.finish()
        }

        // export
        var export = ExportSettings(dir: (workdir as NSString).appendingPathComponent("export"),
                                    formats: ExportFormat.allCases, maxPixels: 1024 * 1024,
                                    imagePaths: .absolute, license: "unspecified", datasetName: "thinkedit")
        if var e = try top.mapping("export") {
            if let dir = try e.nonEmptyString("dir") { export.dir = resolve(dir) }
            if let names = try e.stringList("formats") {
                export.formats = try names.enumerated().map { i, name in
                    guard let format = ExportFormat(rawValue: name) else {
                        throw reader.error(.invalidValue, e.value("formats"), "export.formats[\(i)]",
                            "unknown format \"\(name)\": use any of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return format
                }
            }
            export.maxPixels = try e.int("max_pixels", range: 1...1_000_000_000) ?? export.maxPixels
            if e.has("absolute_paths") {
                throw reader.error(.unknownKey, e.value("absolute_paths"), "export.absolute_paths",
                    "was replaced by export.image_paths: write `image_paths: absolute` (the default) or `image_paths: relative`")
            }
            export.imagePaths = try enumValue(&e, "image_paths", path: "export", reader: reader, what: "image path form") ?? export.imagePaths
            export.license = try e.nonEmptyString("license") ?? export.license
            export.datasetName = try e.nonEmptyString("name") ?? export.datasetName
            try e.finish()
        }

        // backends
        let backends = try BackendsSettings.read(try top.mapping("backends"), reader: reader, resolve: resolve)

        // budget
        var budget = BudgetSettings()
        if var b = try top.mapping("budget") {
            budget.run = try b.double("usd", range: 0...1_000_000_000)
            for stage in ["generate", "score"] {
                guard var s = try b.mapping(stage) else { continue }
                let cap = try s.required(try s.double("usd", range: 0...1_000_000_000), "usd", hint: "the most this stage may spend")
                if stage == "generate" { budget.generate = cap } else { budget.score = cap }
                try s.finish()
            }
            try b.finish()
        }

        // cache: the response cache's folder, or off
        var cache: String? = (workdir as NSString).appendingPathComponent("cache")
        if let text = try top.nonEmptyString("cache") {
            cache = text == "off" ? nil : resolve(text)
        }

        try top.finish()
        var config = RunConfig(file: file, workdir: workdir, seed: seed, pool: pool, taxonomy: taxonomy, images: images,
                               generation: generation, curation: curation, export: export, backends: backends)
        config.budget = budget
        config.cache = cache
        return config
    }
}

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
        if var price = try m.mapping("price") {
            b.pricePromptPerMillion = try price.double("prompt_per_million", range: 0...1_000_000) ?? 0
            b.priceCompletionPerMillion = try price.double("completion_per_million", range: 0...1_000_000) ?? 0
            b.priceCachedPromptPerMillion = try price.double("cached_prompt_per_million", range: 0...1_000_000)
            b.pricePerImage = try price.double("per_image", range: 0...1_000_000) ?? 0
            try price.finish()
        }
        if var price = try m.mapping("batch_price") {
            b.batchPricePromptPerMillion = try price.double("prompt_per_million", range: 0...1_000_000)
            b.batchPriceCompletionPerMillion = try price.double("completion_per_million", range: 0...1_000_000)
            b.batchPriceCachedPromptPerMillion = try price.double("cached_prompt_per_million", range: 0...1_000_000)
            try price.finish()
        }
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
        b.world.failureScale = try m.double("failure_scale", range: 0...100)
        if var failures = try m.mapping("failures") {
            for key in SyntheticWorldSettings.failureKeys {
                if let factor = try failures.double(key, range: 0...100) { b.world.failureFactors[key] = factor }
            }
            try failures.finish()
        }
        b.world.severity = try m.double("failure_severity", range: 0.01...1)
        b.world.persistence = try m.double("failure_persistence", range: 0...1)
        b.world.fixEffect = try m.double("fix_effect", range: 0...1)
        b.world.earlyStop = try m.double("early_stop", range: 0...1)
        b.world.needlessContinue = try m.double("needless_continue", range: 0...1)
        if m.has("api_key") {
            throw reader.error(.invalidValue, m.value("api_key"), "\(path).api_key",
                "a key never goes in the config: put it in an environment variable and name it with api_key_env")
        }
        try m.finish()
        switch kind {
        case .openai, .openaiImages:
            if b.baseURL == nil { throw reader.error(.missing, m.node, "\(path).base_url", "is required for kind \(kind.rawValue) (for example https://api.openai.com/v1)") }
            if b.model == nil { throw reader.error(.missing, m.node, "\(path).model", "is required for kind \(kind.rawValue)") }
        case .editthinkerHTTP:
            if b.endpoints.isEmpty { throw reader.error(.missing, m.node, "\(path).endpoints", "is required for kind editthinker-http: a list of editor server URLs") }
            for key in ["enhance_prompt", "image", "prompt", "seed"] where b.extraJSON.flatMap({ try? JSONParser.parse(Array($0.utf8)) })?[key] != nil {
                throw reader.error(.invalidValue, m.value("extra"), "\(path).extra.\(key)",
                    key == "enhance_prompt"
                        ? "set enhance_prompt as a key of the backend (enhance_prompt: true), not in extra"
                        : "thinkedit sends \(key) itself (the source image, the turn's instruction, the derived seed); remove it from extra")
            }
        case .synthetic, .bfl, .geminiImage:
            break
        }
        for (key, isSet) in [("max_completion_tokens", b.maxCompletionTokens != nil), ("reasoning_effort", b.reasoningEffort != nil),
                             ("mode", b.mode != .online), ("batch", m.has("batch")), ("batch_price", m.has("batch_price"))]
            where isSet && kind != .openai {
            throw reader.error(.invalidValue, m.value(key), "\(path).\(key)", "only openai (chat) backends take \(key)")
        }
        if b.authHeader != nil && kind != .openai && kind != .openaiImages {
            throw reader.error(.invalidValue, m.value("auth_header"), "\(path).auth_header", "only openai and openai-images backends take auth_header")
        }
        if let url = b.baseURL, let query = url.split(separator: "?", maxSplits: 1).dropFirst().first {
            let names = query.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? "" }
            if let name = names.first(where: { ["key", "api-key", "api_key", "apikey", "access_token", "token"].contains($0) }) {
                throw reader.error(.invalidValue, m.value("base_url"), "\(path).base_url",
                    "the query names a key (\(name)=...): a key never goes in the config; put it in an environment variable named by api_key_env (auth_header says which header carries it)")
            }
        }
        try b.checkEditorOptions(given: editorOptions, node: m.node, path: path, extraNode: m.value("extra"), reader: reader)
        if b.enhancePrompt != nil && kind != .editthinkerHTTP {
            throw reader.error(.invalidValue, m.value("enhance_prompt"), "\(path).enhance_prompt", "only editthinker-http editors take enhance_prompt")
        }
        let editorDials = b.world.profile != nil || b.world.failureScale != nil || !b.world.failureFactors.isEmpty
            || b.world.severity != nil || b.world.persistence != nil || b.world.fixEffect != nil
        let expertDials = b.world.earlyStop != nil || b.world.needlessContinue != nil
        if (editorDials || expertDials) && kind != .synthetic {
            throw reader.error(.invalidValue, m.node, path,
                "profile, failure_scale, failures, failure_severity, failure_persistence, fix_effect, early_stop and needless_continue set the synthetic world; kind \(kind.rawValue) does not take them")
        }
        if editorDials && role != "editor" {
            throw reader.error(.invalidValue, m.node, path, "profile, failure_scale, failures, failure_severity, failure_persistence and fix_effect belong to the synthetic editor (backends.editor)")
        }
        if expertDials && role != "thinker" {
            throw reader.error(.invalidValue, m.node, path, "early_stop and needless_continue belong to the synthetic expert (backends.thinker)")
        }
        for url in ([b.baseURL].compactMap { $0 } + b.endpoints) where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw reader.error(.invalidValue, m.node, path, "\"\(url)\" is not an http(s) URL")
        }
        return b
    }
}

/// A key whose value is one of an enum's cases; anything else is an error that lists them.
private func enumValue<E: RawRepresentable & CaseIterable>(_ m: inout ConfigReader.Mapping, _ key: String, path: String,
                                                           reader: ConfigReader, what: String, hint: String = "") throws -> E?
    where E.RawValue == String {
    guard let text = try m.nonEmptyString(key) else { return nil }
    guard let value = E(rawValue: text) else {
        throw reader.error(.invalidValue, m.value(key), "\(path).\(key)",
            "unknown \(what) \"\(text)\": use one of \(E.allCases.map(\.rawValue).joined(separator: ", "))\(hint)")
    }
    return value
}

/// Extra parameters travel as JSON; YAML scalars keep their resolved types.
private func yamlToJSON(_ node: Node, reader: ConfigReader, path: String) throws -> String {
    func convert(_ node: Node, _ path: String) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if let i = node.int { return .integer(Int64(i)) }
                if let d = node.float { return .number(d) }
                if let b = node.bool { return .bool(b) }
                if node.null != nil { return .null }
            }
            return .string(s.string)
        case .sequence(let seq):
            return .array(try seq.enumerated().map { try convert($1, "\(path)[\($0)]") })
        case .mapping(let map):
            var out: [(String, JSONValue)] = []
            for (k, v) in map {
                guard let key = k.string else { throw reader.error(.wrongType, k, path, "a key must be a plain string") }
                out.append((key, try convert(v, join(path, key))))
            }
            return .object(out)
        case .alias:
            throw reader.error(.wrongType, node, path, "aliases are not supported here")
        }
    }
    return try convert(node, path).canonicalText
}

func absolutePath(_ path: String, relativeTo folder: String) -> String {
    let expanded = (path as NSString).expandingTildeInPath
    let joined = expanded.hasPrefix("/") ? expanded : (folder as NSString).appendingPathComponent(expanded)
    return (joined as NSString).standardizingPath
}

func reason(_ error: any Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
       let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
        return String(cString: strerror(code.rawValue))
    }
    if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError || ns.code == 4 { return "no such file" }
    return ns.localizedDescription
}

private func yamlLine(_ error: YamlError) -> Int? {
    switch error {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
    default: return nil
    }
}

private func yamlProblem(_ error: YamlError) -> String {
    switch error {
    case .scanner(let ctx, let problem, _, _), .parser(let ctx, let problem, _, _), .composer(let ctx, let problem, _, _):
        return ctx.map { "\(problem) (\($0.text))" } ?? problem
    default: return "\(error)"
    }
}
