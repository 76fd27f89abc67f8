import Foundation
import ThinkEditCore
import ThinkEditImaging

/// The `gemini-image` editor: Google's Gemini image models (`gemini-2.5-flash-image`...) through
/// `POST {base_url}/models/{model}:generateContent` with the key in `x-goog-api-key`:
///
/// ```json
/// {"contents": [{"role": "user", "parts": [{"text": "<T_t>"},
///                                          {"inline_data": {"mime_type": "image/png", "data": "<base64>"}}]}],
///  "generationConfig": {"responseModalities": ["TEXT", "IMAGE"], "seed": s}}
/// ```
///
/// The REST answer spells its fields in camelCase: the image is the first
/// `candidates[0].content.parts[].inlineData {mimeType, data}` (snake_case is read as well);
/// `usageMetadata.promptTokenCount` / `candidatesTokenCount` are its tokens. Errors come as
/// `{"error": {"code", "message", "status", "details"}}`.
///
/// How an answer fails:
/// - `promptFeedback.blockReason` (the input was blocked before generation) or a candidate
///   without an image whose `finishReason` is a safety stop (`SAFETY`, `PROHIBITED_CONTENT`,
///   `BLOCKLIST`, `SPII`, `RECITATION`, `IMAGE_SAFETY`, `IMAGE_PROHIBITED_CONTENT`,
///   `IMAGE_RECITATION`): `moderated`, not retried.
/// - A candidate without an image for any other reason (`STOP` with text only — the model
///   answered in words, asked a question or declined politely —, `NO_IMAGE`, `IMAGE_OTHER`,
///   `MAX_TOKENS`, `OTHER`): `parse`, retried. Such answers are draws of a sampled model, not a
///   verdict on the request, and the next draw usually carries an image; calling them moderated
///   would fail the trajectory at once for what is often a fluke.
/// - 429 `RESOURCE_EXHAUSTED`: `rate_limit`, waiting the `RetryInfo.retryDelay` Google names
///   (or `Retry-After`); 400 `API_KEY_INVALID`: `auth`; other statuses as every driver.
package struct GeminiImageEditor: Editor {
    package static let defaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"

    /// The finish reasons that mean a safety system stopped the image.
    static let moderationReasons: Set<String> = [
        "SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION",
        "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
    ]

    package var name: String
    package var baseURL: String
    package var model: String
    package var key: APIKey
    /// Extra top-level request fields (`safetySettings`...); an `extra.generationConfig` mapping
    /// is merged into the generation config.
    package var extra: [(String, JSONValue)]
    package var maxResponseBytes: Int
    package var reliability: Reliability
    var transport: HTTPTransport

    package init(name: String, baseURL: String = GeminiImageEditor.defaultBaseURL, model: String, key: APIKey,
                extra: [(String, JSONValue)] = [], maxResponseBytes: Int = 64 << 20, reliability: Reliability,
                transport: HTTPTransport = .shared) {
        self.name = name
        self.baseURL = baseURL
        self.model = model
        self.key = key
        self.extra = extra
        self.maxResponseBytes = maxResponseBytes
        self.reliability = reliability
        self.transport = transport
    }

    package var url: String { OpenAIChatClient.join(baseURL, "models/\(model):generateContent") }

    /// Gemini's seed is a 32-bit signed integer: the derived seed folded to 31 bits.
    static func wireSeed(_ seed: UInt64) -> Int64 { Int64(seed & 0x7FFF_FFFF) }

    package func requestBody(_ request: EditRequest) -> WireBody {
        let image = WireValue.object([("mime_type", .string(ImageWire.mediaType(request.item.source.bytes))),
                                      ("data", request.item.source.base64Value)])
        var generation: [(String, JSONValue)] = [
            ("responseModalities", .array([.string("TEXT"), .string("IMAGE")])),
            ("seed", .integer(Self.wireSeed(request.seed))),
        ]
        if case .object(let more)? = extra.first(where: { $0.0 == "generationConfig" })?.1 {
            for (k, v) in more where !generation.contains(where: { $0.0 == k }) { generation.append((k, v)) }
        }
        let fields: [(String, WireValue)] = [
            ("contents", .array([.object([("role", .string("user")),
                                          ("parts", .array([.object([("text", .string(request.instruction))]),
                                                            .object([("inline_data", image)])]))])])),
            ("generationConfig", .json(.object(generation))),
        ]
        return WireJSON.body(fields, extra: extra)
    }

    package func edit(_ request: EditRequest) async throws -> EditResult {
        let body = requestBody(request)
        let editor = self
        return try await reliability.perform(estimatedTokens: 1500) {
            let call = HTTPCall(method: "POST", url: editor.url,
                                headers: [("content-type", "application/json"), ("x-goog-api-key", editor.key.value)],
                                body: body, maxResponseBytes: editor.maxResponseBytes, timeout: editor.reliability.transportTimeout)
            let reply: HTTPReply
            do {
                reply = try await editor.transport.send(call)
            } catch let e as HTTPTransportError {
                throw e.backendError(backend: editor.name)
            }
            try Self.checkStatus(reply, backend: editor.name, url: editor.url, key: editor.key)
            let result = try Self.decode(reply.body, backend: editor.name, url: editor.url)
            return (result, result.usage)
        }
    }

    /// Google's error body read for what the status alone does not say: the wait a 429 asks for
    /// and an invalid key answered as 400.
    static func checkStatus(_ reply: HTTPReply, backend: String, url: String, key: APIKey) throws {
        guard !(200..<300).contains(reply.status) else { return }
        let error = (try? JSONParser.parse(reply.body))?["error"]
        let status = LooseJSON.text(error?["status"]) ?? ""
        let message = key.redact(String((LooseJSON.text(error?["message"]) ?? "").prefix(300)))
        var reasons: [String] = []
        var retryDelay: Double?
        if case .array(let details)? = error?["details"] {
            for d in details {
                if let reason = LooseJSON.text(d["reason"]) { reasons.append(reason) }
                if let delay = LooseJSON.text(d["retryDelay"]), delay.hasSuffix("s"), let seconds = Double(delay.dropLast()) { retryDelay = seconds }
            }
        }
        let says = message.isEmpty ? "" : "; Google says: \(status.isEmpty ? "" : status + ": ")\(message)"
        if reply.status == 429 || status == "RESOURCE_EXHAUSTED" {
            throw BackendError(.rateLimit, backend: backend, "\(url) answered \(reply.status) (quota or rate limit)\(says)", httpStatus: reply.status,
                               retryAfter: ServerWait.seconds(after: reply) ?? retryDelay)
        }
        if reasons.contains("API_KEY_INVALID") {
            throw BackendError(.auth, backend: backend, "\(url) refused the key from \(key.source) as invalid\(says)", httpStatus: reply.status)
        }
        try HTTPStatusCheck.check(reply, backend: backend, url: url, key: key)
    }

    static func decode(_ body: [UInt8], backend: String, url: String) throws -> EditResult {
        let value = try WireJSON.answer(body, from: url, backend: backend)
        if let reason = LooseJSON.text(value["promptFeedback"]?["blockReason"]), reason != "BLOCK_REASON_UNSPECIFIED" {
            throw BackendError(.moderated, backend: backend, "Gemini blocked the prompt or the input image (promptFeedback.blockReason \(reason))")
        }
        guard case .array(let candidates)? = value["candidates"], let candidate = candidates.first else {
            throw BackendError(.parse, backend: backend, "\(url) answered without candidates")
        }
        let finish = LooseJSON.text(candidate["finishReason"]) ?? "none"
        var texts: [String] = []
        if case .array(let parts)? = candidate["content"]?["parts"] {
            for part in parts {
                if let text = LooseJSON.text(part["text"]), part["thought"] != .bool(true) { texts.append(text) }
                guard let inline = part["inlineData"] ?? part["inline_data"],
                      let data = LooseJSON.text(inline["data"]),
                      (LooseJSON.text(inline["mimeType"] ?? inline["mime_type"]) ?? "image/").hasPrefix("image/") else { continue }
                let image = try ImageWire.editedImage(data, field: "an inlineData image", from: url, backend: backend)
                return EditResult(image: image, usage: usage(value["usageMetadata"]))
            }
        }
        let said = texts.joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines)
        let quote = said.isEmpty ? "" : "; the model wrote: \"\(said.prefix(200))\""
        if moderationReasons.contains(finish) {
            throw BackendError(.moderated, backend: backend, "Gemini's safety filter stopped the image (finishReason \(finish))\(quote)")
        }
        throw BackendError(.parse, backend: backend, "\(url) answered without an image (finishReason \(finish))\(quote)")
    }

    static func usage(_ u: JSONValue?) -> Usage? {
        guard let u else { return nil }
        func int(_ v: JSONValue?) -> Int { if case .integer(let i)? = v { return Int(i) }; return 0 }
        return Usage(promptTokens: int(u["promptTokenCount"]), completionTokens: int(u["candidatesTokenCount"]))
    }
}
