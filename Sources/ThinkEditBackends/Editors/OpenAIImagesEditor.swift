import Foundation
import ThinkEditCore
import ThinkEditImaging

/// The `openai-images` editor: `POST {base_url}/images/edits` as multipart/form-data with `model`,
/// `image`, `prompt` and `response_format=b64_json` (plus `extra` fields as text parts), answered
/// by `{"data": [{"b64_json": ...}], "usage": {...}}`. The API takes no seed; the seed is not sent.
package struct OpenAIImagesEditor: Editor {
    package var name: String
    package var baseURL: String
    package var model: String
    package var key: APIKey?
    package var extra: [(String, JSONValue)]
    package var authHeader: AuthHeader
    package var maxResponseBytes: Int
    package var reliability: Reliability
    package var transport: HTTPTransport

    package init(name: String, baseURL: String, model: String, key: APIKey?, extra: [(String, JSONValue)] = [],
                authHeader: AuthHeader? = nil, maxResponseBytes: Int = 64 << 20, reliability: Reliability, transport: HTTPTransport = .shared) {
        self.name = name
        self.baseURL = baseURL
        self.model = model
        self.key = key
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
        field("response_format", "b64_json")
        for (k, v) in extra where !["model", "prompt", "response_format", "image"].contains(k) {
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
            let reply = try await editor.transport.send(call)
            try HTTPStatusCheck.check(reply, backend: editor.name, url: editor.url, key: editor.key)
            let result = try Self.decode(reply.body, backend: editor.name, url: editor.url)
            return (result, result.usage)
        }
    }

    static func decode(_ body: [UInt8], backend: String, url: String) throws -> EditResult {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw BackendError(.parse, backend: backend, "\(url) answered with text that is not JSON (\(error))")
        }
        guard case .array(let data)? = value["data"], let first = data.first, let text = LooseJSON.text(first["b64_json"]) else {
            throw BackendError(.parse, backend: backend, "\(url) answered without data[0].b64_json")
        }
        guard let image = ImageWire.decode(text) else {
            throw BackendError(.parse, backend: backend, "\(url) sent a data[0].b64_json that is not base64")
        }
        do {
            _ = try ImageCodec.info(image, name: "the edited image from \(url)")
        } catch {
            throw BackendError(.parse, backend: backend, "\(url) sent a data[0].b64_json that is not a PNG or JPEG image (\(error))")
        }
        var usage: Usage?
        if let u = value["usage"] {
            func int(_ v: JSONValue?) -> Int { if case .integer(let i)? = v { return Int(i) }; return 0 }
            usage = Usage(promptTokens: int(u["input_tokens"]), completionTokens: int(u["output_tokens"]))
        }
        return EditResult(image: image, usage: usage)
    }
}
