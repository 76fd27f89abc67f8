import Foundation
import ThinkEditCore

/// One part of a chat message's content.
package enum ChatPart: Sendable, Hashable {
    case text(String)
    /// Encoded image bytes, sent as a base64 `data:` URL.
    case image([UInt8])
    /// An image payload, sent as its (cached) `data:` URL.
    case payload(ImagePayload)
}

/// A chat completion's answer.
package struct ChatCompletion: Sendable, Hashable {
    package var content: String
    /// The model's thinking, when the server returns it apart from the answer:
    /// `message.reasoning_content` (vLLM and SGLang reasoning parsers, DeepSeek) or
    /// `message.reasoning` (newer vLLM, some gateways).
    package var reasoning: String?
    package var finishReason: String?
    package var usage: Usage?

    init(content: String, reasoning: String? = nil, finishReason: String? = nil, usage: Usage? = nil) {
        self.content = content
        self.reasoning = reasoning
        self.finishReason = finishReason
        self.usage = usage
    }
}

/// Speaks `POST {base_url}/chat/completions` as the OpenAI API, Azure OpenAI, Gemini's OpenAI
/// endpoint, vLLM and SGLang understand it. The key goes in the header `authHeader` names
/// (`AuthHeader.implied(by:)` when the config does not say). One instance per backend; all share
/// `HTTPTransport.shared`.
package struct OpenAIChatClient: Sendable {
    package var backend: String
    package var baseURL: String
    package var model: String
    package var key: APIKey?
    /// Sent only when set: reasoning models refuse any value but their default.
    package var temperature: Double?
    /// `max_tokens`: the limit older servers know (vLLM and SGLang take both).
    package var maxTokens: Int?
    /// `max_completion_tokens`: OpenAI's limit, the only one its reasoning models take; it counts
    /// their reasoning tokens too.
    package var maxCompletionTokens: Int?
    package var reasoningEffort: ReasoningEffort?
    /// Ask for `response_format: {"type": "json_object"}` (not every server supports it).
    package var jsonMode: Bool
    /// Extra top-level request fields from the config (`extra`).
    package var extra: [(String, JSONValue)]
    package var authHeader: AuthHeader
    package var maxResponseBytes: Int
    package var reliability: Reliability
    var transport: HTTPTransport

    package init(backend: String, baseURL: String, model: String, key: APIKey?, temperature: Double?, maxTokens: Int?,
                maxCompletionTokens: Int? = nil, reasoningEffort: ReasoningEffort? = nil,
                jsonMode: Bool, extra: [(String, JSONValue)] = [], authHeader: AuthHeader? = nil, maxResponseBytes: Int = 16 << 20,
                reliability: Reliability, transport: HTTPTransport = .shared) {
        self.backend = backend
        self.baseURL = baseURL
        self.model = model
        self.key = key
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.maxCompletionTokens = maxCompletionTokens
        self.reasoningEffort = reasoningEffort
        self.jsonMode = jsonMode
        self.extra = extra
        self.authHeader = authHeader ?? .implied(by: baseURL)
        self.maxResponseBytes = maxResponseBytes
        self.reliability = reliability
        self.transport = transport
    }

    /// `{base_url}/chat/completions`, keeping a query string (Azure's `api-version`) at the end.
    package var url: String { Self.join(baseURL, "chat/completions") }

    static func join(_ base: String, _ path: String) -> String {
        let (head, query) = base.firstIndex(of: "?").map { (String(base[..<$0]), String(base[$0...])) } ?? (base, "")
        let trimmed = head.hasSuffix("/") ? String(head.dropLast()) : head
        return "\(trimmed)/\(path)\(query)"
    }

    func headers() -> [(String, String)] {
        var h = [("content-type", "application/json"), ("accept", "application/json")]
        if let key { h.append(authHeader.field(key)) }
        return h
    }

    /// The token limit the request sends, as the config names it: for messages.
    var tokenLimit: (key: String, value: Int)? {
        if let maxCompletionTokens { return ("max_completion_tokens", maxCompletionTokens) }
        if let maxTokens { return ("max_tokens", maxTokens) }
        for name in ["max_completion_tokens", "max_tokens"] {
            if case .integer(let v)? = extra.first(where: { $0.0 == name })?.1 { return ("extra.\(name)", Int(v)) }
        }
        return nil
    }

    /// The request body for a system prompt and one user message.
    package func requestBody(system: String?, user: [ChatPart]) -> WireBody {
        CPUMeter.measure(.requestBuilding) { requestBodyUnmetered(system: system, user: user) }
    }

    private func requestBodyUnmetered(system: String?, user: [ChatPart]) -> WireBody {
        var messages: [WireValue] = []
        if let system, !system.isEmpty {
            messages.append(.object([("role", .string("system")), ("content", .string(system))]))
        }
        let parts: [WireValue] = user.map {
            switch $0 {
            case .text(let t): return .object([("type", .string("text")), ("text", .string(t))])
            case .image(let bytes):
                return .object([("type", .string("image_url")), ("image_url", .object([("url", .string(ImageWire.dataURL(bytes)))]))])
            case .payload(let image):
                return .object([("type", .string("image_url")), ("image_url", .object([("url", image.dataURLValue)]))])
            }
        }
        messages.append(.object([("role", .string("user")), ("content", .array(parts))]))
        var fields: [(String, WireValue)] = [("model", .string(model)), ("messages", .array(messages))]
        if let temperature { fields.append(("temperature", .json(.number(temperature)))) }
        if let maxTokens { fields.append(("max_tokens", .json(.integer(Int64(maxTokens))))) }
        if let maxCompletionTokens { fields.append(("max_completion_tokens", .json(.integer(Int64(maxCompletionTokens))))) }
        if let reasoningEffort { fields.append(("reasoning_effort", .string(reasoningEffort.rawValue))) }
        if jsonMode { fields.append(("response_format", .json(.object([("type", .string("json_object"))])))) }
        return WireJSON.body(fields, extra: extra)
    }

    /// One HTTP exchange, no retries: the answer, or a classified error.
    package func send(body: WireBody) async throws -> ChatCompletion {
        let call = HTTPCall(method: "POST", url: url, headers: headers(), body: body,
                            maxResponseBytes: maxResponseBytes, timeout: reliability.transportTimeout)
        let reply = try await transport.send(call)
        if let refused = refusedRequest(reply) { throw refused }
        try HTTPStatusCheck.check(reply, backend: backend, url: url, key: key)
        return try CPUMeter.measure(.answerParsing) { try answer(from: reply.body) }
    }

    /// Sends the conversation through the reliability layer and hands the answer to `interpret`;
    /// an `AnswerParseError` from it counts as a failed attempt of class `parse` and is retried.
    package func complete<T: Sendable>(system: String?, user: [ChatPart],
                                      interpret: @escaping @Sendable (ChatCompletion) throws -> T) async throws -> (T, Usage?) {
        try await complete(body: requestBody(system: system, user: user), interpret: interpret)
    }

    /// `complete(system:user:interpret:)` for a body already built.
    package func complete<T: Sendable>(body: WireBody, interpret: @escaping @Sendable (ChatCompletion) throws -> T) async throws -> (T, Usage?) {
        // Images count toward the tokens-per-minute budget roughly as a provider bills a tile.
        let estimate = body.count / 4 / 8 + (tokenLimit?.value ?? 512)
        let client = self
        return try await reliability.perform(estimatedTokens: estimate) {
            let completion = try await client.send(body: body)
            do {
                return ((try interpret(completion), completion.usage), completion.usage)
            } catch let e as AnswerParseError {
                throw BackendError(.parse, backend: client.backend, client.key.redact(e.description))
            }
        }
    }
}
