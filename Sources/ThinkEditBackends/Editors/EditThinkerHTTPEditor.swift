import Foundation
import ThinkEditCore
import ThinkEditImaging

/// The `editthinker-http` editor protocol, as the EditThinker repository's servers speak it
/// (`inference/server/apis/*_edit_api.py`): `POST {endpoint}/edit` with
/// `{"image": base64, "prompt": ..., "seed": ..., "enhance_prompt": false, <extra>}`, answered by
/// `{"success": bool, "edited_image": base64, "error": text, "seed": used, "enhanced_prompt": ...}`;
/// `GET {endpoint}/health` answers 200 when the server can take work. Several endpoints share the
/// load through an `EndpointPool`.
///
/// The FLUX.1 Kontext and Qwen-Image-Edit servers polish the prompt with an LLM unless told not
/// to (`enhance_prompt` defaults to true there), so the request always says whether to; the
/// prompt and seed a server reports back are returned as what was executed.
package struct EditThinkerHTTPEditor: Editor {
    package var name: String
    package var pool: EndpointPool
    /// Extra request fields from the config (`extra`: steps, guidance, size...).
    package var extra: [(String, JSONValue)]
    /// Whether the server may rewrite the prompt before editing (`enhance_prompt`); off unless
    /// the backend's config turns it on.
    package var enhancePrompt: Bool
    package var maxResponseBytes: Int
    package var reliability: Reliability
    var transport: HTTPTransport

    package init(name: String, endpoints: [String], extra: [(String, JSONValue)] = [], enhancePrompt: Bool = false,
                maxResponseBytes: Int = 64 << 20, reliability: Reliability, transport: HTTPTransport = .shared,
                failureThreshold: Int = 3, cooldown: Double = 30) {
        self.name = name
        self.extra = extra
        self.enhancePrompt = enhancePrompt
        self.maxResponseBytes = maxResponseBytes
        self.reliability = reliability
        self.transport = transport
        let timeout = min(reliability.timeout, 10)
        pool = EndpointPool(urls: endpoints, failureThreshold: failureThreshold, cooldown: cooldown, clock: reliability.clock) { url in
            let reply = try? await transport.send(HTTPCall(method: "GET", url: "\(url)/health", maxResponseBytes: 1 << 16, timeout: timeout))
            return reply.map { (200..<300).contains($0.status) } ?? false
        }
    }

    package func requestBody(_ request: EditRequest) -> WireBody {
        CPUMeter.measure(.requestBuilding) {
        let fields: [(String, WireValue)] = [
            ("image", request.item.source.base64Value),
            ("prompt", .string(request.instruction)),
            ("seed", .json(.unsigned(request.seed))),
            ("enhance_prompt", .json(.bool(enhancePrompt))),
        ]
        return WireJSON.body(fields, extra: extra)
        }
    }

    package func edit(_ request: EditRequest) async throws -> EditResult {
        let body = requestBody(request)
        let editor = self
        return try await reliability.perform {
            guard let slot = await editor.pool.checkout() else {
                let wait = await editor.pool.soonestReturn()
                throw BackendError(.server, backend: editor.name,
                                   "every editor endpoint is set aside after repeated failures; the first is probed again in \(Int(wait.rounded(.up))) s",
                                   retryAfter: max(1, wait))
            }
            let (index, url) = slot
            do {
                let result = try await editor.exchange(url: url, body: body)
                await editor.pool.finish(index, healthy: true)
                return (result, nil)
            } catch {
                let kind = (error as? BackendError)?.kind
                let serverSide = kind == nil || kind == .server || kind == .timeout || kind == .network
                await editor.pool.finish(index, healthy: !serverSide)
                throw error
            }
        }
    }

    func exchange(url: String, body: WireBody) async throws -> EditResult {
        let call = HTTPCall(method: "POST", url: "\(url)/edit", headers: [("content-type", "application/json")], body: body,
                            maxResponseBytes: maxResponseBytes, timeout: reliability.transportTimeout)
        let reply: HTTPReply
        do {
            reply = try await transport.send(call)
        } catch let e as HTTPTransportError {
            throw e.backendError(backend: name)
        }
        try HTTPStatusCheck.check(reply, backend: name, url: call.url, key: nil)
        return try CPUMeter.measure(.answerParsing) { try answer(reply.body, url: call.url) }
    }

    /// The edit in a 2xx answer of the server at `url`.
    private func answer(_ body: [UInt8], url: String) throws -> EditResult {
        let value = try WireJSON.answer(body, from: url, backend: name)
        guard let success = LooseJSON.bool(value["success"]) else {
            throw BackendError(.parse, backend: name, "\(url) answered without a true/false \"success\"")
        }
        guard success else {
            let reason = LooseJSON.text(value["error"]) ?? "no reason given"
            throw BackendError(.server, backend: name, "\(url) could not edit: \(reason.prefix(300))")
        }
        guard let text = LooseJSON.text(value["edited_image"]) else {
            throw BackendError(.parse, backend: name, "\(url) answered success without an \"edited_image\"")
        }
        let image = try CPUMeter.measure(.imagesFromAnswers) { try ImageWire.editedImage(text, field: "an \"edited_image\"", from: url, backend: name) }
        return EditResult(image: image, executedPrompt: Self.executedPrompt(value), executedSeed: Self.executedSeed(value))
    }

    /// The prompt the server reports it ran: `enhanced_prompt` (FLUX.1 Kontext, Qwen-Image-Edit,
    /// OmniGen2; null when it did not rewrite), else `prompt` (LongCat echoes the prompt it ran).
    static func executedPrompt(_ answer: JSONValue) -> String? {
        for key in ["enhanced_prompt", "prompt"] {
            if case .string(let text)? = answer[key] { return text }
        }
        return nil
    }

    /// The seed the server reports it used (`seed`), when it is a whole number.
    static func executedSeed(_ answer: JSONValue) -> UInt64? {
        switch answer["seed"] {
        case .integer(let i)?: return UInt64(bitPattern: i)
        case .unsigned(let u)?: return u
        default: return nil
        }
    }
}
