import ThinkEditCore

extension OpenAIChatClient {
    /// A 400 whose body says which request setting the server refused, as an error that names the
    /// config key to change; nil for any other answer (`HTTPStatusCheck` then classifies it).
    ///
    /// OpenAI names the parameter: `{"error": {"message": "Unsupported parameter: 'max_tokens' is
    /// not supported with this model. Use 'max_completion_tokens' instead.", "type":
    /// "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}}` (or
    /// `"unsupported_value"` for a value, e.g. a temperature other than 1). Gemini's OpenAI endpoint
    /// answers `[{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}]` with the
    /// parameter only in the message, so a sent parameter the message names counts too; its 400 for
    /// a key it does not know (`API_KEY_INVALID`) is class `auth`.
    func refusedRequest(_ reply: HTTPReply) -> BackendError? {
        guard reply.status == 400, let error = ProviderErrorBody(reply.body) else { return nil }
        let says = "; the server says: \(key.redact(error.message ?? HTTPStatusCheck.snippet(reply.body)))"
        if error.isInvalidKey {
            let which = key.map { "the key from \($0.source)" } ?? "the key (none is configured: set api_key_env)"
            return BackendError(.auth, backend: backend, "\(url) answered 400: the server does not accept \(which); check it\(says)", httpStatus: 400)
        }
        let sent = sentSettings
        let named = error.param.flatMap { param in sent.first { Self.names(param, $0) } }
            ?? sent.first { Self.mentions(error.message ?? "", $0) }
        guard let setting = named else { return nil }
        return BackendError(.badRequest, backend: backend,
                            "\(url) answered 400: the model does not take \(setting) as sent: \(fix(for: setting, code: error.code))\(says)",
                            httpStatus: 400)
    }

    /// The top-level request fields that come from the config, in the order they are sent.
    var sentSettings: [String] {
        var names: [String] = []
        if temperature != nil { names.append("temperature") }
        if maxTokens != nil { names.append("max_tokens") }
        if maxCompletionTokens != nil { names.append("max_completion_tokens") }
        if reasoningEffort != nil { names.append("reasoning_effort") }
        if jsonMode { names.append("response_format") }
        for (k, _) in extra where !names.contains(k) && k != "model" && k != "messages" { names.append(k) }
        return names
    }

    /// Whether the server's `param` means the setting: itself, or a nested form of it
    /// (`reasoning.effort` for `reasoning_effort`; OpenAI has been seen masking the head as `***.effort`).
    private static func names(_ param: String, _ setting: String) -> Bool {
        param == setting || (setting == "reasoning_effort" && param.hasSuffix("effort"))
            || param.hasPrefix(setting + ".") || param.hasPrefix(setting + "[")
    }

    /// Whether `text` has `name` as a whole word (not inside a longer identifier).
    private static func mentions(_ text: String, _ name: String) -> Bool {
        func isWordByte(_ b: UInt8) -> Bool { b == UInt8(ascii: "_") || (b < 128 && (Character(UnicodeScalar(b)).isLetter || Character(UnicodeScalar(b)).isNumber)) }
        let t = Array(text.utf8), n = Array(name.utf8)
        guard !n.isEmpty, t.count >= n.count else { return false }
        for i in 0...(t.count - n.count) where Array(t[i..<(i + n.count)]) == n {
            let before = i == 0 || !isWordByte(t[i - 1])
            let after = i + n.count == t.count || !isWordByte(t[i + n.count])
            if before && after { return true }
        }
        return false
    }

    /// What to change in the backend's config.
    private func fix(for setting: String, code: String?) -> String {
        let isExtra = extra.contains { $0.0 == setting }
        switch setting {
        case "max_tokens" where !isExtra:
            return "remove max_tokens from the backend's config and set max_completion_tokens instead (a reasoning model counts its reasoning in it: give it room)"
        case "max_completion_tokens" where !isExtra:
            return "this server does not know max_completion_tokens: set max_tokens instead"
        case "temperature" where !isExtra:
            return "remove temperature from the backend's config (this model takes only its default)"
        case "reasoning_effort" where !isExtra:
            return code == "unsupported_parameter"
                ? "remove reasoning_effort from the backend's config (this model does not take it)"
                : "reasoning_effort is \(reasoningEffort?.rawValue ?? "?") in the backend's config: set a value the model accepts, or remove it"
        case "response_format" where !isExtra:
            return "set json_mode: false in the backend's config"
        default:
            return "remove \(setting) from the backend's extra, or change its value"
        }
    }
}

/// The error object of a provider's error body: OpenAI's `{"error": {...}}`, or Gemini's
/// `[{"error": {...}}]`.
struct ProviderErrorBody {
    var message: String?
    var param: String?
    /// OpenAI's string code (`unsupported_parameter`, `unsupported_value`...); Gemini's numeric
    /// code is not kept.
    var code: String?
    var isInvalidKey: Bool

    init?(_ body: [UInt8]) {
        guard let value = try? JSONParser.parse(body) else { return nil }
        var top = value
        if case .array(let items) = value, let first = items.first { top = first }
        guard let error = top["error"], case .object = error else { return nil }
        message = LooseJSON.text(error["message"])
        param = LooseJSON.text(error["param"])
        code = LooseJSON.text(error["code"])
        var reasons: [String] = []
        if case .array(let details)? = error["details"] {
            reasons = details.compactMap { LooseJSON.text($0["reason"]) }
        }
        isInvalidKey = reasons.contains("API_KEY_INVALID") || code == "invalid_api_key"
    }
}
