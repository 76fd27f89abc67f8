import Foundation
import ThinkEditCore
import ThinkEditImaging

/// `quality` of the Images Edit API: `low`, `medium`, `high`, `auto` for the GPT image models,
/// `standard` for dall-e-2.
package enum OpenAIImageQuality: String, Sendable, Hashable, CaseIterable {
    case auto, low, medium, high, standard
}

/// `size` of the Images Edit API: `1024x1024`, `1536x1024` (landscape), `1024x1536` (portrait) or
/// `auto` for the GPT image models; `256x256`, `512x512`, `1024x1024` for dall-e-2.
package enum OpenAIImageSize: String, Sendable, Hashable, CaseIterable {
    case auto
    case square = "1024x1024"
    case landscape = "1536x1024"
    case portrait = "1024x1536"
    case small = "256x256"
    case medium = "512x512"
}

/// `input_fidelity` of the Images Edit API (gpt-image-1): how closely the edit keeps the input's
/// features (faces, logos); `low` is the API's default.
package enum OpenAIInputFidelity: String, Sendable, Hashable, CaseIterable {
    case low, high
}

/// The Images Edit options a backend may set; each is sent only when set.
package struct OpenAIImagesOptions: Sendable, Hashable {
    package var quality: OpenAIImageQuality? = nil
    package var size: OpenAIImageSize? = nil
    package var inputFidelity: OpenAIInputFidelity? = nil

    package init(quality: OpenAIImageQuality? = nil, size: OpenAIImageSize? = nil, inputFidelity: OpenAIInputFidelity? = nil) {
        self.quality = quality
        self.size = size
        self.inputFidelity = inputFidelity
    }
}

/// The `openai-images` editor: `POST {base_url}/images/edits` as multipart/form-data with `model`,
/// `image` and `prompt`, the options that are set (`quality`, `size`, `input_fidelity`) and `extra`
/// fields as text parts, answered by `{"data": [{"b64_json": ...}], "usage": {...}}`. The GPT image
/// models always answer base64 and refuse `response_format` (400 unknown_parameter), so it is sent
/// only to dall-e models (or when `extra` sets it). The API takes no seed; the seed is not sent.
/// A 400 whose error code is `moderation_blocked` or `content_policy_violation` is `moderated`.
package struct OpenAIImagesEditor: Editor {
    package var name: String
    package var baseURL: String
    package var model: String
    package var key: APIKey?
    package var options: OpenAIImagesOptions
    package var extra: [(String, JSONValue)]
    package var authHeader: AuthHeader
    package var maxResponseBytes: Int
    package var reliability: Reliability
    var transport: HTTPTransport

    package init(name: String, baseURL: String, model: String, key: APIKey?, options: OpenAIImagesOptions = OpenAIImagesOptions(),
                extra: [(String, JSONValue)] = [], authHeader: AuthHeader? = nil, maxResponseBytes: Int = 64 << 20,
                reliability: Reliability, transport: HTTPTransport = .shared) {
        self.name = name
        self.baseURL = baseURL
        self.model = model
        self.key = key
        self.options = options
        self.extra = extra
        self.authHeader = authHeader ?? .implied(by: baseURL)
        self.maxResponseBytes = maxResponseBytes
        self.reliability = reliability
        self.transport = transport
    }

    package var url: String { OpenAIChatClient.join(baseURL, "images/edits") }

    /// The multipart body and its boundary.
    package func requestBody(_ request: EditRequest, boundary: String) -> [UInt8] {
        var out: [UInt8] = []
        func field(_ name: String, _ value: String) {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        field("model", model)
        field("prompt", request.instruction)
        var sent = ["model", "prompt", "image"]
        if let quality = options.quality { field("quality", quality.rawValue); sent.append("quality") }
        if let size = options.size { field("size", size.rawValue); sent.append("size") }
        if let fidelity = options.inputFidelity { field("input_fidelity", fidelity.rawValue); sent.append("input_fidelity") }
        if model.hasPrefix("dall-e"), !extra.contains(where: { $0.0 == "response_format" }) {
            field("response_format", "b64_json")
            sent.append("response_format")
        }
        for (k, v) in extra where !sent.contains(k) {
            if case .string(let s) = v { field(k, s) } else { field(k, v.canonicalText) }
        }
        let type = ImageWire.mediaType(request.item.source.bytes)
        let ext = type == "image/jpeg" ? "jpg" : type == "image/webp" ? "webp" : "png"
        out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"source.\(ext)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        out += request.item.source.bytes
        out += Array("\r\n--\(boundary)--\r\n".utf8)
        return out
    }

    package func edit(_ request: EditRequest) async throws -> EditResult {
        let boundary = "thinkedit-\(ContentHash.sha256Hex("\(request.item.trajectoryID)|\(request.turn)").prefix(24))"
        let body = requestBody(request, boundary: boundary)
        let editor = self
        return try await reliability.perform(estimatedTokens: 1000) {
            var headers = [("content-type", "multipart/form-data; boundary=\(boundary)")]
            if let key = editor.key { headers.append(editor.authHeader.field(key)) }
            let call = HTTPCall(method: "POST", url: editor.url, headers: headers, body: body,
                                maxResponseBytes: editor.maxResponseBytes, timeout: editor.reliability.transportTimeout)
            let reply: HTTPReply
            do {
                reply = try await editor.transport.send(call)
            } catch let e as HTTPTransportError {
                throw e.backendError(backend: editor.name)
            }
            try Self.checkModeration(reply, backend: editor.name, key: editor.key)
            try HTTPStatusCheck.check(reply, backend: editor.name, url: editor.url, key: editor.key)
            let result = try Self.decode(reply.body, backend: editor.name, url: editor.url)
            return (result, result.usage)
        }
    }

    /// OpenAI's safety system refuses an edit with a 400 whose `error.code` names it.
    static func checkModeration(_ reply: HTTPReply, backend: String, key: APIKey?) throws {
        guard reply.status == 400, let error = (try? JSONParser.parse(reply.body))?["error"],
              let code = LooseJSON.text(error["code"]), ["moderation_blocked", "content_policy_violation"].contains(code) else { return }
        let message = key.redact(String((LooseJSON.text(error["message"]) ?? "").prefix(300)))
        throw BackendError(.moderated, backend: backend, "OpenAI's safety system refused the edit (\(code))\(message.isEmpty ? "" : ": \(message)")",
                           httpStatus: reply.status)
    }

    static func decode(_ body: [UInt8], backend: String, url: String) throws -> EditResult {
        let value = try WireJSON.answer(body, from: url, backend: backend)
        guard case .array(let data)? = value["data"], let first = data.first, let text = LooseJSON.text(first["b64_json"]) else {
            var hint = ""
            if case .array(let data)? = value["data"], data.first?["url"] != nil {
                hint = ": it answered a URL; this model needs `extra: {response_format: b64_json}`"
            }
            throw BackendError(.parse, backend: backend, "\(url) answered without data[0].b64_json\(hint)")
        }
        let image = try ImageWire.editedImage(text, field: "a data[0].b64_json", from: url, backend: backend)
        var usage: Usage?
        if let u = value["usage"] {
            func int(_ v: JSONValue?) -> Int { if case .integer(let i)? = v { return Int(i) }; return 0 }
            usage = Usage(promptTokens: int(u["input_tokens"]), completionTokens: int(u["output_tokens"]))
        }
        return EditResult(image: image, usage: usage)
    }
}
