import Foundation
import ThinkEditCore
import ThinkEditImaging

/// The FLUX.1 Kontext models Black Forest Labs' API serves for editing, by their endpoint names.
package enum BFLModel: String, Sendable, Hashable, CaseIterable {
    case kontextPro = "flux-kontext-pro"
    case kontextMax = "flux-kontext-max"
}

/// The encodings BFL can deliver (`output_format`).
package enum BFLOutputFormat: String, Sendable, Hashable, CaseIterable {
    case png
    case jpeg
}

/// What the `bfl` backend sends besides the prompt, the image and the seed, and how it polls.
package struct BFLOptions: Sendable, Hashable {
    /// Let BFL rewrite the prompt before editing (`prompt_upsampling`). Off unless the config turns
    /// it on, for the reason editthinker-http sends `enhance_prompt: false`: the recorded
    /// instruction must be what the editor ran.
    package var promptUpsampling = false
    package var outputFormat: BFLOutputFormat = .png
    /// 0 (strictest) to 6; BFL's default (2) when nil.
    package var safetyTolerance: Int? = nil
    /// `W:H` between 21:9 and 9:21; the input image's ratio when nil.
    package var aspectRatio: String? = nil
    /// Seconds between two polls of a job (on the reliability clock).
    package var pollInterval: Double = 1

    package init() {}
}

/// The `bfl` editor: Black Forest Labs' asynchronous API for FLUX.1 Kontext [pro] / [max].
///
/// One attempt is one job: `POST {base_url}/{model}` with `x-key` and
/// `{"prompt", "input_image": base64, "seed", "output_format", "prompt_upsampling", ...}` answers
/// `{"id", "polling_url"}`; `GET polling_url` (with the key, every `pollInterval` seconds) answers
/// `{"status": "Pending" | "Ready" | "Request Moderated" | "Content Moderated" | "Error" |
/// "Task not found", "result": {"sample": signed URL, "prompt", "seed"}}`; the image is
/// downloaded from `sample` (no key: the URL is signed, and expires about ten minutes after the
/// job is ready). The whole job runs under the attempt's deadline (`timeout_seconds`).
///
/// Failures, in the journal's classes:
/// - `Request Moderated` / `Content Moderated`: `moderated`, not retried (BFL does not charge them).
/// - `Error`, `Task not found`: `server`; the retry submits a new job.
/// - 429 / 5xx / connection errors while polling are waited out (up to `maxPollFailures` in a
///   row, honouring `Retry-After`) instead of failing the attempt: a failed attempt submits (and
///   pays for) a new job, a failed poll does not.
/// - A sample URL answering 4xx (expired or revoked) is asked for again with one more poll, which
///   answers `Ready` at once with the job's current URL; when that fails too, the attempt fails as
///   `server` and the retry submits a new job with the same seed.
/// - 402 (no credits): `auth`; 422: `bad_request`.
package struct BFLEditor: Editor {
    package static let defaultBaseURL = "https://api.bfl.ai/v1"
    /// Failed polls (429, 5xx, connection) in a row before the attempt gives up.
    static let maxPollFailures = 5
    /// Failed sample downloads (5xx, connection) in a row before the attempt gives up.
    static let maxDownloadFailures = 3

    package var name: String
    package var baseURL: String
    package var model: BFLModel
    package var key: APIKey
    package var options: BFLOptions
    /// Extra request fields from the config (`extra`).
    package var extra: [(String, JSONValue)]
    package var maxResponseBytes: Int
    package var reliability: Reliability
    var transport: HTTPTransport

    package init(name: String, baseURL: String = BFLEditor.defaultBaseURL, model: BFLModel, key: APIKey, options: BFLOptions = BFLOptions(),
                extra: [(String, JSONValue)] = [], maxResponseBytes: Int = 64 << 20, reliability: Reliability,
                transport: HTTPTransport = .shared) {
        self.name = name
        self.baseURL = baseURL
        self.model = model
        self.key = key
        self.options = options
        self.extra = extra
        self.maxResponseBytes = maxResponseBytes
        self.reliability = reliability
        self.transport = transport
    }

    var submitURL: String { OpenAIChatClient.join(baseURL, model.rawValue) }

    /// The seed as sent: the derived 64-bit seed folded to 31 bits, a range every FLUX server
    /// takes (BFL reports the seed it used, which the turn records as `executed_seed`).
    static func wireSeed(_ seed: UInt64) -> Int64 { Int64(seed & 0x7FFF_FFFF) }

    package func requestBody(_ request: EditRequest) -> WireBody {
        var fields: [(String, WireValue)] = [
            ("prompt", .string(request.instruction)),
            ("input_image", request.item.source.base64Value),
            ("seed", .json(.integer(Self.wireSeed(request.seed)))),
            ("output_format", .string(options.outputFormat.rawValue)),
            ("prompt_upsampling", .json(.bool(options.promptUpsampling))),
        ]
        if let tolerance = options.safetyTolerance { fields.append(("safety_tolerance", .json(.integer(Int64(tolerance))))) }
        if let ratio = options.aspectRatio { fields.append(("aspect_ratio", .string(ratio))) }
        return WireJSON.body(fields, extra: extra)
    }

    package func edit(_ request: EditRequest) async throws -> EditResult {
        let body = requestBody(request)
        let editor = self
        return try await reliability.perform { (try await editor.job(body), nil) }
    }

    // MARK: - One job

    struct Job {
        var id: String
        var pollingURL: String
    }

    struct Ready {
        var sample: String
        var prompt: String?
        var seed: UInt64?
    }

    enum Download {
        case image([UInt8])
        /// The signed URL answered 4xx: expired, revoked or never valid.
        case gone(Int)
        case transient(BackendError)
    }

    /// Submit, poll until ready, download: one attempt.
    func job(_ body: WireBody) async throws -> EditResult {
        let job = try await submit(body)
        var ready = try await poll(job)
        var repolled = false
        var failures = 0
        while true {
            switch try await download(ready.sample) {
            case .image(let bytes):
                return EditResult(image: bytes, executedPrompt: ready.prompt, executedSeed: ready.seed)
            case .gone(let status):
                guard !repolled else {
                    throw BackendError(.server, backend: name,
                        "the result of job \(job.id) cannot be downloaded (its signed URL answered \(status) twice, expired); the job is submitted again")
                }
                repolled = true
                ready = try await poll(job)
            case .transient(let error):
                failures += 1
                if failures >= Self.maxDownloadFailures { throw error }
                try await reliability.clock.sleep(seconds: options.pollInterval)
            }
        }
    }

    func submit(_ body: WireBody) async throws -> Job {
        let url = submitURL
        let reply = try await send(HTTPCall(method: "POST", url: url,
                                            headers: [("content-type", "application/json"), ("accept", "application/json"), ("x-key", key.value)],
                                            body: body, maxResponseBytes: 1 << 20, timeout: reliability.transportTimeout))
        try HTTPStatusCheck.check(reply, backend: name, url: url, key: key)
        let answer = try json(reply.body, from: url)
        if let status = LooseJSON.text(answer["status"]), Self.isModeration(status) { throw moderated(status, answer, id: LooseJSON.text(answer["id"])) }
        guard let id = LooseJSON.text(answer["id"]), !id.isEmpty else {
            throw BackendError(.parse, backend: name, "\(url) answered without a job \"id\"")
        }
        let polling = LooseJSON.text(answer["polling_url"]).flatMap { $0.isEmpty ? nil : $0 }
            ?? OpenAIChatClient.join(baseURL, "get_result?id=\(id.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? id)")
        guard Self.mayCarryKey(polling, base: baseURL) else {
            throw BackendError(.badRequest, backend: name,
                "\(url) named a polling_url on another site (\(Self.host(polling) ?? polling)); the key is sent only to \(Self.host(baseURL) ?? baseURL) and its subdomains, so the job is not polled: check base_url")
        }
        return Job(id: id, pollingURL: polling)
    }

    /// Polls `job` every `pollInterval` seconds until it is ready or has failed for good.
    func poll(_ job: Job) async throws -> Ready {
        var failures = 0
        var wait = options.pollInterval
        while true {
            try await reliability.clock.sleep(seconds: wait)
            wait = options.pollInterval
            let call = HTTPCall(method: "GET", url: job.pollingURL, headers: [("accept", "application/json"), ("x-key", key.value)],
                                maxResponseBytes: 1 << 20, timeout: reliability.transportTimeout)
            let reply: HTTPReply
            do {
                reply = try await send(call)
            } catch let error as BackendError where error.kind == .network || error.kind == .timeout {
                failures += 1
                if failures >= Self.maxPollFailures { throw error }
                continue
            }
            if reply.status == 429 || (500..<600).contains(reply.status) {
                failures += 1
                if failures >= Self.maxPollFailures { try HTTPStatusCheck.check(reply, backend: name, url: job.pollingURL, key: key) }
                let asked = ServerWait.seconds(after: reply) ?? 0
                wait = max(options.pollInterval, min(asked, reliability.retry.maxRetryAfter))
                continue
            }
            try HTTPStatusCheck.check(reply, backend: name, url: job.pollingURL, key: key)
            failures = 0
            let answer = try json(reply.body, from: job.pollingURL)
            guard let status = LooseJSON.text(answer["status"]) else {
                throw BackendError(.parse, backend: name, "the poll of job \(job.id) answered without a \"status\"")
            }
            switch status {
            case "Ready":
                guard let sample = LooseJSON.text(answer["result"]?["sample"]), !sample.isEmpty else {
                    throw BackendError(.parse, backend: name, "job \(job.id) is Ready but its result has no \"sample\" URL")
                }
                let result = answer["result"]
                return Ready(sample: sample, prompt: LooseJSON.text(result?["prompt"]), seed: Self.seed(result?["seed"]))
            case _ where Self.isModeration(status):
                throw moderated(status, answer, id: job.id)
            case "Error":
                throw BackendError(.server, backend: name, "job \(job.id) failed at BFL (status Error\(detail(answer))); the job is submitted again")
            case "Task not found":
                throw BackendError(.server, backend: name, "BFL does not know job \(job.id) (Task not found: expired or lost); the job is submitted again")
            default:
                // Pending, or an in-progress state BFL may add (Processing, Queued...): keep waiting
                // until the attempt's deadline.
                continue
            }
        }
    }

    func download(_ url: String) async throws -> Download {
        let reply: HTTPReply
        do {
            reply = try await send(HTTPCall(method: "GET", url: url, maxResponseBytes: maxResponseBytes, timeout: reliability.transportTimeout))
        } catch let error as BackendError where error.kind == .network || error.kind == .timeout {
            return .transient(error)
        }
        let place = Self.withoutQuery(url)
        switch reply.status {
        case 200..<300:
            do {
                _ = try ImageCodec.info(reply.body, name: "the edited image from \(place)")
            } catch {
                throw BackendError(.parse, backend: name, "the result at \(place) is not a PNG or JPEG image (\(error))")
            }
            return .image(reply.body)
        case 408, 429, 500..<600:
            return .transient(BackendError(reply.status == 429 ? .rateLimit : .server, backend: name,
                                           "the result download from \(place) answered \(reply.status)", httpStatus: reply.status))
        default:
            return .gone(reply.status)
        }
    }

    // MARK: - Helpers

    private func send(_ call: HTTPCall) async throws -> HTTPReply {
        do {
            return try await transport.send(call)
        } catch let e as HTTPTransportError {
            throw e.backendError(backend: name)
        }
    }

    private func json(_ body: [UInt8], from url: String) throws -> JSONValue {
        try WireJSON.answer(body, from: Self.withoutQuery(url), backend: name)
    }

    private func moderated(_ status: String, _ answer: JSONValue, id: String?) -> BackendError {
        let stage = status == "Request Moderated" ? "the prompt or the input image" : "the edited image"
        return BackendError(.moderated, backend: name, "BFL's moderation blocked \(stage) (\(status)\(id.map { ", job \($0)" } ?? "")\(detail(answer)))")
    }

    /// `; details: ...` from a status answer, for messages.
    private func detail(_ answer: JSONValue) -> String {
        guard let d = answer["details"], d != .null else { return "" }
        return "; details: " + key.redact(String(d.canonicalText.prefix(200)))
    }

    static func isModeration(_ status: String) -> Bool { status == "Request Moderated" || status == "Content Moderated" }

    static func seed(_ v: JSONValue?) -> UInt64? {
        switch v {
        case .integer(let i)? where i >= 0: return UInt64(i)
        case .unsigned(let u)?: return u
        default: return nil
        }
    }

    static func host(_ url: String) -> String? { URLComponents(string: url)?.host?.lowercased() }

    /// A signed URL without its query (the signature), for messages.
    static func withoutQuery(_ url: String) -> String {
        url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
    }

    /// Whether the key may go to `url`: the base URL's host, or a host under the same parent
    /// domain (BFL answers `https://api.us1.bfl.ai/...` to a job sent to `api.bfl.ai`), over https
    /// unless the base itself is plain http.
    static func mayCarryKey(_ url: String, base: String) -> Bool {
        guard let target = URLComponents(string: url), let origin = URLComponents(string: base),
              let host = target.host?.lowercased(), let baseHost = origin.host?.lowercased() else { return false }
        guard target.scheme == "https" || target.scheme == origin.scheme else { return false }
        if host == baseHost { return true }
        let labels = baseHost.split(separator: ".")
        guard labels.count >= 2, labels.last.map({ !$0.allSatisfy(\.isNumber) }) ?? false else { return false }
        let parent = labels.suffix(2).joined(separator: ".")
        return host.hasSuffix("." + parent)
    }
}
