import Foundation
import ThinkEditBackends
import ThinkEditCore

/// The settings that shape one stage's model calls, as canonical JSON, named by its content
/// (SPEC §2.8). Every trajectory names the generate record that made it, every scored turn the
/// score record that judged it, and the pool the record of where it came from. Endpoints,
/// concurrency, timeouts, keys, prices and budgets are not settings: they never change an answer.
package struct SettingsRecord: Sendable, Hashable {
    package var stage: StageName
    package var value: JSONValue

    init(stage: StageName, value: JSONValue) {
        self.stage = stage
        self.value = value
    }

    /// The canonical JSON text (object keys in byte order).
    package var json: String { value.canonicalText }

    /// The record's id: the stage's first letter and the first 16 hex digits of the SHA-256 of
    /// `json` (`g-3f9a…`, `s-…`, `p-…`).
    package var id: String { Self.id(stage: stage, json: json) }

    static func id(stage: StageName, json: String) -> String {
        "\(stage.rawValue.prefix(1))-" + ContentHash.sha256Hex(json).prefix(16)
    }

    /// Every leaf of `old` and `new` that differs, as `key: old → new` with dotted key paths
    /// (`expert.model: gpt-4.1 → gpt-4.1-mini`); absent values read `(none)`.
    package static func changes(from old: JSONValue, to new: JSONValue) -> [SettingsChange] {
        var before: [(String, String)] = []
        var after: [(String, String)] = []
        flatten(old, "", into: &before)
        flatten(new, "", into: &after)
        let a = Dictionary(before, uniquingKeysWith: { x, _ in x })
        let b = Dictionary(after, uniquingKeysWith: { x, _ in x })
        return Set(a.keys).union(b.keys).sorted().compactMap { key in
            a[key] == b[key] ? nil : SettingsChange(key: key, old: a[key] ?? "(none)", new: b[key] ?? "(none)")
        }
    }

    private static func flatten(_ value: JSONValue, _ path: String, into out: inout [(String, String)]) {
        func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        switch value {
        case .object(let pairs) where !pairs.isEmpty:
            for (k, v) in pairs { flatten(v, join(k), into: &out) }
        case .array(let items) where !items.isEmpty && items.allSatisfy({ $0["name"] != nil }):
            // Editors are listed by name, so that adding one names it rather than an index.
            for item in items { flatten(item, join(item["name"].map(text) ?? "?"), into: &out) }
        default:
            out.append((path, text(value)))
        }
    }

    private static func text(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return value.canonicalText
    }
}

/// One changed key of a settings record.
package struct SettingsChange: Sendable, Hashable, CustomStringConvertible {
    package var key: String
    package var old: String
    package var new: String
    package var description: String { "\(key): \(old) → \(new)" }
}

// MARK: - The records of a config

extension RunConfig {
    /// Generate's settings: `max_turns`, `first_turn`, the seed, the expert and every editor.
    package func generateSettings() throws -> SettingsRecord {
        let expert = try backendSettingsJSON(backends.thinker)
        let editors = try backends.editors.map { e -> JSONValue in
            guard case .object(var pairs) = try backendSettingsJSON(e) else { return .null }
            pairs.append(("name", .string(e.name)))
            // Items are assigned to editors by a stable hash of their id, by weight, in config order.
            pairs.append(("weight", .number(e.weight)))
            return .object(pairs)
        }
        return SettingsRecord(stage: .generate, value: .object([
            ("max_turns", .integer(Int64(generation.maxTurns))),
            ("first_turn", .string(generation.firstTurn.rawValue)),
            ("seed", .unsigned(seed)),
            ("expert", expert),
            ("editors", .array(editors)),
        ]))
    }

    /// Score's settings: the judge. The seed joins for the synthetic judge, whose answers it shapes.
    package func scoreSettings() throws -> SettingsRecord {
        var pairs: [(String, JSONValue)] = [("judge", try backendSettingsJSON(backends.scorer))]
        if backends.scorer.kind == .synthetic { pairs.append(("seed", .unsigned(seed))) }
        return SettingsRecord(stage: .score, value: .object(pairs))
    }

    /// Where the pool comes from (`pool.path`, relative to the config's folder as the config
    /// gives it, so that a run moved with its config keeps its record; or `pool.synth`); nil when
    /// the config names none.
    func poolSettings() -> SettingsRecord? {
        if let path = pool.path {
            let folder = (file as NSString).deletingLastPathComponent + "/"
            return SettingsRecord(stage: .pool, value: .object([("path", .string(path.hasPrefix(folder) ? String(path.dropFirst(folder.count)) : path))]))
        }
        guard let s = pool.synth else { return nil }
        return SettingsRecord(stage: .pool, value: .object([("synth", .object([
            ("count", .integer(Int64(s.count))), ("seed", .unsigned(s.seed)), ("image_size", .integer(Int64(s.imageSize))),
            ("precision", .array(s.precisionWeights.map { .number($0) })),
        ]))]))
    }

    /// What of one backend shapes its answers: kind and model, the request settings, the SHA-256
    /// of each prompt text (chat backends), the editor options and the synthetic dials.
    func backendSettingsJSON(_ b: BackendSettings) throws -> JSONValue {
        var pairs: [(String, JSONValue)] = [("kind", .string(b.kind.rawValue))]
        func put(_ key: String, _ value: JSONValue?) { if let value { pairs.append((key, value)) } }
        put("model", b.model.map { .string($0) })
        switch b.kind {
        case .synthetic:
            put("world", b.world.settingsJSON)
        case .openai:
            var request: [(String, JSONValue)] = []
            if let t = b.temperature { request.append(("temperature", .number(t))) }
            if let m = b.maxTokens { request.append(("max_tokens", .integer(Int64(m)))) }
            if let m = b.maxCompletionTokens { request.append(("max_completion_tokens", .integer(Int64(m)))) }
            if let r = b.reasoningEffort { request.append(("reasoning_effort", .string(r.rawValue))) }
            put("request", .object(request))
            let folder = BackendSet.promptsFolder(b, config: self)
            if b.role == "thinker" {
                let p = try ExpertPrompts.load(folder: folder)
                let format = b.answerFormat ?? "json"
                put("answer_format", .string(format))
                put("json_mode", .bool(b.jsonMode ?? (format == "json")))
                put("prompts", .object([("system", hash(p.system.text)), ("refine", hash(p.refine.text)), ("rewrite", hash(p.rewrite.text))]))
            } else {
                let p = try JudgePrompts.load(folder: folder)
                put("json_mode", .bool(b.jsonMode ?? true))
                put("prompts", .object([("system", hash(p.system.text)), ("semantic", hash(p.semantic.text)), ("quality", hash(p.quality.text))]))
            }
        case .editthinkerHTTP:
            put("enhance_prompt", .bool(b.enhancePrompt ?? false))
        case .openaiImages:
            let o = b.openAIImagesOptions
            put("options", .object([o.quality.map { ("quality", .string($0.rawValue)) }, o.size.map { ("size", .string($0.rawValue)) },
                                    o.inputFidelity.map { ("input_fidelity", .string($0.rawValue)) }].compactMap { $0 }))
        case .bfl:
            let o = b.bflOptions
            put("options", .object([("prompt_upsampling", .bool(o.promptUpsampling)), ("output_format", .string(o.outputFormat.rawValue))]
                + [o.safetyTolerance.map { ("safety_tolerance", .integer(Int64($0))) }, o.aspectRatio.map { ("aspect_ratio", .string($0)) }].compactMap { $0 }))
        case .geminiImage:
            break
        }
        if let extra = b.extraJSON { put("extra", (try? JSONParser.parse(extra)) ?? .string(extra)) }
        return .object(pairs)
    }

    private func hash(_ text: String) -> JSONValue { .string(ContentHash.sha256Hex(text)) }
}

extension SyntheticWorldSettings {
    /// The dials that are set (an empty object when all have their built-in values).
    var settingsJSON: JSONValue {
        var pairs: [(String, JSONValue)] = []
        if let profile { pairs.append(("profile", .string(profile))) }
        if let failureScale { pairs.append(("failure_scale", .number(failureScale))) }
        if !failureFactors.isEmpty { pairs.append(("failures", .object(failureFactors.map { ($0.key, .number($0.value)) }))) }
        if let severity { pairs.append(("failure_severity", .number(severity))) }
        if let persistence { pairs.append(("failure_persistence", .number(persistence))) }
        if let fixEffect { pairs.append(("fix_effect", .number(fixEffect))) }
        if let earlyStop { pairs.append(("early_stop", .number(earlyStop))) }
        if let needlessContinue { pairs.append(("needless_continue", .number(needlessContinue))) }
        return .object(pairs)
    }
}
