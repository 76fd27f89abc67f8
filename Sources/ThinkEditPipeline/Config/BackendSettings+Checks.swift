import Foundation
import ThinkEditCore
import Yams

extension BackendSettings {
    /// What a backend's keys must satisfy together, once each was read on its own: the keys its
    /// kind requires, the keys only some kinds take, no key in a URL, and the synthetic world's
    /// dials only on synthetic backends of the right role. `m` is the backend's mapping, for the
    /// lines of the errors.
    mutating func check(_ mapping: ConfigReader.Mapping, path: String, editorOptions: [(String, Node)], reader: ConfigReader) throws {
        var m = mapping
        switch self.kind {
        case .openai, .openaiImages:
            if self.baseURL == nil { throw reader.error(.missing, m.node, "\(path).base_url", "is required for kind \(self.kind.rawValue) (for example https://api.openai.com/v1)") }
            if self.model == nil { throw reader.error(.missing, m.node, "\(path).model", "is required for kind \(self.kind.rawValue)") }
        case .editthinkerHTTP:
            if self.endpoints.isEmpty { throw reader.error(.missing, m.node, "\(path).endpoints", "is required for kind editthinker-http: a list of editor server URLs") }
            for key in ["enhance_prompt", "image", "prompt", "seed"] where self.extraJSON.flatMap({ try? JSONParser.parse(Array($0.utf8)) })?[key] != nil {
                throw reader.error(.invalidValue, m.value("extra"), "\(path).extra.\(key)",
                    key == "enhance_prompt"
                        ? "set enhance_prompt as a key of the backend (enhance_prompt: true), not in extra"
                        : "thinkedit sends \(key) itself (the source image, the turn's instruction, the derived seed); remove it from extra")
            }
        case .synthetic, .bfl, .geminiImage:
            break
        }
        for (key, isSet) in [("max_completion_tokens", self.maxCompletionTokens != nil), ("reasoning_effort", self.reasoningEffort != nil),
                             ("mode", self.mode != .online), ("batch", m.has("batch")), ("batch_price", m.has("batch_price"))]
            where isSet && self.kind != .openai {
            throw reader.error(.invalidValue, m.value(key), "\(path).\(key)", "only openai (chat) backends take \(key)")
        }
        if self.authHeader != nil && self.kind != .openai && self.kind != .openaiImages {
            throw reader.error(.invalidValue, m.value("auth_header"), "\(path).auth_header", "only openai and openai-images backends take auth_header")
        }
        if let url = self.baseURL, let query = url.split(separator: "?", maxSplits: 1).dropFirst().first {
            let names = query.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? "" }
            if let name = names.first(where: { ["key", "api-key", "api_key", "apikey", "access_token", "token"].contains($0) }) {
                throw reader.error(.invalidValue, m.value("base_url"), "\(path).base_url",
                    "the query names a key (\(name)=...): a key never goes in the config; put it in an environment variable named by api_key_env (auth_header says which header carries it)")
            }
        }
        try self.checkEditorOptions(given: editorOptions, node: m.node, path: path, extraNode: m.value("extra"), reader: reader)
        if self.enhancePrompt != nil && self.kind != .editthinkerHTTP {
            throw reader.error(.invalidValue, m.value("enhance_prompt"), "\(path).enhance_prompt", "only editthinker-http editors take enhance_prompt")
        }
        let editorDials = self.world.profile != nil || self.world.failureScale != nil || !self.world.failureFactors.isEmpty
            || self.world.severity != nil || self.world.persistence != nil || self.world.fixEffect != nil
        let expertDials = self.world.earlyStop != nil || self.world.needlessContinue != nil
        if (editorDials || expertDials) && self.kind != .synthetic {
            throw reader.error(.invalidValue, m.node, path,
                "profile, failure_scale, failures, failure_severity, failure_persistence, fix_effect, early_stop and needless_continue set the synthetic world; kind \(self.kind.rawValue) does not take them")
        }
        if editorDials && self.role != "editor" {
            throw reader.error(.invalidValue, m.node, path, "profile, failure_scale, failures, failure_severity, failure_persistence and fix_effect belong to the synthetic editor (backends.editor)")
        }
        if expertDials && self.role != "thinker" {
            throw reader.error(.invalidValue, m.node, path, "early_stop and needless_continue belong to the synthetic expert (backends.thinker)")
        }
        for url in ([self.baseURL].compactMap { $0 } + self.endpoints) where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw reader.error(.invalidValue, m.node, path, "\"\(url)\" is not an http(s) URL")
        }
    }
}
