import Foundation
import ThinkEditCore

/// One part of a chat message's content.
package enum ChatPart: Sendable, Hashable {
    case text(String)
    /// Encoded image bytes, sent as a base64 `data:` URL.
    case image([UInt8])
}

/// A chat completion's answer.
package struct ChatCompletion: Sendable, Hashable {
    package var content: String
    package var finishReason: String?
    package var usage: Usage?
}

/// Speaks `POST {base_url}/chat/completions` as the OpenAI API, Azure OpenAI, vLLM and SGLang
/// understand it. Azure is recognised by an `api-version` query in `base_url` or an
/// `*.openai.azure.com` host: its key goes in an `api-key` header instead of `Authorization`.
/// One instance per backend; all share `HTTPTransport.shared`.
package struct OpenAIChatClient: Sendable {
    package var backend: String
    package var baseURL: String
    package var model: String
    package var key: APIKey?
    package var temperature: Double?
    package var maxTokens: Int?
    /// Ask for `response_format: {"type": "json_object"}` (not every server supports it).
    package var jsonMode: Bool
    /// Extra top-level request fields from the config (`extra`).
    package var extra: [(String, JSONValue)]
    package var maxResponseBytes: Int
    package var reliability: Reliability
    package var transport: HTTPTransport

    package init(backend: String, baseURL: String, model: String, key: APIKey?, temperature: Double?, maxTokens: Int?,
                jsonMode: Bool, extra: [(String, JSONValue)] = [], maxResponseBytes: Int = 16 << 20,
                reliability: Reliability, transport: HTTPTransport = .shared) {
        self.backend = backend
        self.baseURL = baseURL
        self.model = model
        self.key = key
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.jsonMode = jsonMode
        self.extra = extra
        self.maxResponseBytes = maxResponseBytes
        self.reliability = reliability
        self.transport = transport
    }

    /// `{base_url}/chat/completions`, keeping a query string (Azure's `api-version`) at the end.
    package var url: String { Self.join(baseURL, "chat/completions") }

    var isAzure: Bool {
        baseURL.contains("api-version=") || (URL(string: baseURL)?.host?.hasSuffix(".openai.azure.com") ?? false)
    }

    static func join(_ base: String, _ path: String) -> String {
        let (head, query) = base.firstIndex(of: "?").map { (String(base[..<$0]), String(base[$0...])) } ?? (base, "")
        let trimmed = head.hasSuffix("/") ? String(head.dropLast()) : head
        return "\(trimmed)/\(path)\(query)"
    }

    func headers() -> [(String, String)] {
        var h = [("content-type", "application/json"), ("accept", "application/json")]
        if let key { h.append(isAzure ? ("api-key", key.value) : ("authorization", "Bearer \(key.value)")) }
        return h
    }

    /// The request body for a system prompt and one user message.
    package func requestBody(system: String?, user: [ChatPart]) -> [UInt8] {
        var messages: [JSONValue] = []
        if let system, !system.isEmpty {
            messages.append(.object([("role", .string("system")), ("content", .string(system))]))
        }
        let parts: [JSONValue] = user.map {
            switch $0 {
            case .text(let t): return .object([("type", .string("text")), ("text", .string(t))])
            case .image(let bytes):
                return .object([("type", .string("image_url")), ("image_url", .object([("url", .string(ImageWire.dataURL(bytes)))]))])
            }
        }
        messages.append(.object([("role", .string("user")), ("content", .array(parts))]))
        var fields: [(String, JSONValue)] = [("model", .string(model)), ("messages", .array(messages))]
        if let temperature { fields.append(("temperature", .number(temperature))) }
        if let maxTokens { fields.append(("max_tokens", .integer(Int64(maxTokens)))) }
        if jsonMode { fields.append(("response_format", .object([("type", .string("json_object"))]))) }
        for (k, v) in extra where !fields.contains(where: { $0.0 == k }) { fields.append((k, v)) }
        var out = ""
        JSONValue.object(fields).write(to: &out)
        return Array(out.utf8)
    }

    /// One HTTP exchange, no retries: the answer, or a classified error.
    package func send(body: [UInt8]) async throws -> ChatCompletion {
        let call = HTTPCall(method: "POST", url: url, headers: headers(), body: body,
                            maxResponseBytes: maxResponseBytes, timeout: reliability.transportTimeout)
        let reply = try await transport.send(call)
        try HTTPStatusCheck.check(reply, backend: backend, url: url, key: key)
        return try Self.decode(reply.body, backend: backend, key: key)
    }

    static func decode(_ body: [UInt8], backend: String, key: APIKey?) throws -> ChatCompletion {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw BackendError(.parse, backend: backend, "the chat answer is not JSON (\(error)): \(key.redact(HTTPStatusCheck.snippet(body)))")
        }
        guard case .array(let choices)? = value["choices"], let first = choices.first else {
            throw BackendError(.parse, backend: backend, "the chat answer has no choices[0]")
        }
        let message = first["message"]
        if let refusal = LooseJSON.text(message?["refusal"]), !refusal.isEmpty {
            throw BackendError(.refused, backend: backend, "the model refused: \(refusal.prefix(200))")
        }
        let finish = LooseJSON.text(first["finish_reason"])
        if finish == "content_filter" {
            throw BackendError(.refused, backend: backend, "the provider's content filter stopped the answer (finish_reason content_filter)")
        }
        guard let content = LooseJSON.text(message?["content"]) else {
            throw BackendError(.parse, backend: backend, "the chat answer has no choices[0].message.content text")
        }
        var usage: Usage?
        if let u = value["usage"] {
            func int(_ v: JSONValue?) -> Int { if case .integer(let i)? = v { return Int(i) }; return 0 }
            usage = Usage(promptTokens: int(u["prompt_tokens"]), completionTokens: int(u["completion_tokens"]))
        }
        return ChatCompletion(content: content, finishReason: finish, usage: usage)
    }

    /// Sends the conversation through the reliability layer and hands the text to `interpret`;
    /// an `AnswerParseError` from it counts as a failed attempt of class `parse` and is retried.
    package func complete<T: Sendable>(system: String?, user: [ChatPart],
                                      interpret: @escaping @Sendable (String) throws -> T) async throws -> (T, Usage?) {
        let body = requestBody(system: system, user: user)
        // Images count toward the tokens-per-minute budget roughly as a provider bills a tile.
        let estimate = body.count / 4 / 8 + (maxTokens ?? 512)
        let client = self
        return try await reliability.perform(estimatedTokens: estimate) {
            let completion = try await client.send(body: body)
            do {
                return ((try interpret(completion.content), completion.usage), completion.usage)
            } catch let e as AnswerParseError {
                throw BackendError(.parse, backend: client.backend, client.key.redact(e.description))
            }
        }
    }
}
