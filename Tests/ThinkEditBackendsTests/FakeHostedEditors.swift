import Foundation
import Synchronization
@testable import ThinkEditBackends
@testable import ThinkEditCore

/// An in-process fake of Black Forest Labs' API as docs.bfl.ai describes it: `POST /v1/{model}`
/// answers `{"id", "polling_url"}`, `GET /v1/get_result?id=` answers the job's status, and a
/// Ready result's `sample` is a signed URL (`/delivery/...?se=...&sig=...`) serving the image.
/// What happens to each job is the test's `plan`, asked once per submit.
final class FakeBFL: Sendable {
    /// The fate of one submitted job.
    struct JobPlan: Sendable {
        /// Answers the submit instead of accepting it (a 429, a 402...).
        var submit: FakeReply? = nil
        /// `Pending` answers before the final status.
        var pending = 0
        /// Answers to the first polls, before any status (a 503, a 429...).
        var pollFaults: [FakeReply] = []
        /// `Ready`, `Request Moderated`, `Content Moderated`, `Error` or `Task not found`.
        var status = "Ready"
        /// The HTTP status of each download of the job's sample URLs, in order; the last repeats.
        var downloads: [Int] = [200]
        /// Answers a polling_url of this value instead of the fake's own.
        var pollingURL: String? = nil
        /// The image served; nil: the input image sent.
        var image: [UInt8]? = nil
        /// The prompt reported in the result; nil: the prompt sent.
        var reportedPrompt: String? = nil
    }

    private struct Job {
        var plan: JobPlan
        var request: JSONValue
        var polls = 0
        var readies = 0
        var downloads = 0
    }

    private struct State {
        var url = ""
        var submits = 0
        var jobs: [String: Job] = [:]
    }

    let server: FakeServer
    private let state: Mutex<State>

    private init(server: FakeServer) {
        self.server = server
        state = Mutex(State(url: server.url))
    }

    /// The base URL a `bfl` backend is given.
    var baseURL: String { server.url + "/v1" }
    var log: RequestLog { server.log }
    var submits: [SeenRequest] { server.log.all.filter { $0.method == "POST" } }
    var polls: [SeenRequest] { server.log.all.filter { $0.path.hasSuffix("/get_result") } }
    var downloads: [SeenRequest] { server.log.all.filter { $0.path.hasPrefix("/delivery/") } }

    static func start(_ plan: @escaping @Sendable (_ n: Int, _ request: JSONValue) -> JobPlan) async throws -> FakeBFL {
        let box = Locked<FakeBFL?>(nil)
        let server = try await FakeServer.start { seen in
            guard let fake = box.value else { return .json("{}", status: 503) }
            return fake.answer(seen, plan)
        }
        let fake = FakeBFL(server: server)
        box.value = fake
        return fake
    }

    func stop() { server.stop() }

    private func answer(_ seen: SeenRequest, _ plan: (Int, JSONValue) -> JobPlan) -> FakeReply {
        if seen.method == "POST" {
            guard seen.path.hasPrefix("/v1/flux-kontext-"), let request = seen.json else { return .json(#"{"detail": "Not Found"}"#, status: 404) }
            return state.withLock { s in
                s.submits += 1
                let job = plan(s.submits, request)
                if let reply = job.submit { return reply }
                let id = "job-\(s.submits)"
                s.jobs[id] = Job(plan: job, request: request)
                let polling = job.pollingURL ?? "\(s.url)/v1/get_result?id=\(id)"
                return .json(JSONValue.object([("id", .string(id)), ("polling_url", .string(polling)),
                                               ("cost", .number(4)), ("input_mp", .number(0.05)), ("output_mp", .number(0.05))]).canonicalText)
            }
        }
        if seen.path == "/v1/get_result" {
            let id = (seen.query ?? "").split(separator: "&").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) } ?? ""
            return state.withLock { s in
                guard var job = s.jobs[id] else { return .json(#"{"id": "\#(id)", "status": "Task not found"}"#) }
                defer { s.jobs[id] = job }
                job.polls += 1
                if job.polls <= job.plan.pollFaults.count { return job.plan.pollFaults[job.polls - 1] }
                if job.polls - job.plan.pollFaults.count <= job.plan.pending {
                    return .json(#"{"id": "\#(id)", "status": "Pending", "result": null, "progress": 0.4}"#)
                }
                switch job.plan.status {
                case "Ready":
                    job.readies += 1
                    let sample = "\(s.url)/delivery/\(id)/\(job.readies)/sample.png?se=2026-01-01T00%3A10%3A00Z&sig=c2lnbmF0dXJl"
                    let prompt = job.plan.reportedPrompt.map(JSONValue.string) ?? job.request["prompt"] ?? .null
                    return .json(JSONValue.object([
                        ("id", .string(id)), ("status", .string("Ready")),
                        ("result", .object([("sample", .string(sample)), ("prompt", prompt), ("seed", job.request["seed"] ?? .null),
                                            ("start_time", .number(1_767_225_600.1)), ("end_time", .number(1_767_225_606.4)),
                                            ("duration", .number(6.3))])),
                    ]).canonicalText)
                case "Request Moderated", "Content Moderated":
                    return .json(JSONValue.object([("id", .string(id)), ("status", .string(job.plan.status)), ("result", .null),
                                                   ("details", .object([("Moderation Reasons", .array([.string("Derivative Works Filter")]))]))]).canonicalText)
                default:
                    return .json(JSONValue.object([("id", .string(id)), ("status", .string(job.plan.status)), ("result", .null)]).canonicalText)
                }
            }
        }
        if seen.path.hasPrefix("/delivery/") {
            let id = seen.path.split(separator: "/").dropFirst().first.map(String.init) ?? ""
            return state.withLock { s in
                guard var job = s.jobs[id] else { return FakeReply(status: 404, headers: [], body: Array("BlobNotFound".utf8)) }
                defer { s.jobs[id] = job }
                job.downloads += 1
                let status = job.plan.downloads[min(job.downloads, job.plan.downloads.count) - 1]
                guard status == 200 else {
                    return FakeReply(status: status, headers: [("content-type", "application/xml")],
                                     body: Array("<Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed</Message></Error>".utf8))
                }
                let image = job.plan.image ?? LooseText.string(job.request["input_image"]).flatMap { Data(base64Encoded: $0).map { [UInt8]($0) } } ?? []
                return FakeReply(status: 200, headers: [("content-type", "image/png")], body: image)
            }
        }
        return .json(#"{"detail": "Not Found"}"#, status: 404)
    }
}

/// A value tests share with a fake server's handler.
final class Locked<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    var value: Value {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { state.withLock { body(&$0) } }
}

enum LooseText {
    static func string(_ v: JSONValue?) -> String? {
        if case .string(let s)? = v { return s }
        return nil
    }
}

/// Gemini's generateContent answers, in the REST API's camelCase.
enum GeminiAnswer {
    /// A candidate with a text part and the image as `inlineData`.
    static func image(_ bytes: [UInt8], text: String? = "Here is the edited image.", promptTokens: Int = 1300, imageTokens: Int = 1290) -> FakeReply {
        var parts: [JSONValue] = []
        if let text { parts.append(.object([("text", .string(text))])) }
        parts.append(.object([("inlineData", .object([("mimeType", .string("image/png")), ("data", .string(Data(bytes).base64EncodedString()))]))]))
        return .json(JSONValue.object([
            ("candidates", .array([.object([("content", .object([("role", .string("model")), ("parts", .array(parts))])),
                                            ("finishReason", .string("STOP")), ("index", .integer(0))])])),
            ("usageMetadata", .object([("promptTokenCount", .integer(Int64(promptTokens))), ("candidatesTokenCount", .integer(Int64(imageTokens))),
                                       ("totalTokenCount", .integer(Int64(promptTokens + imageTokens)))])),
            ("modelVersion", .string("gemini-2.5-flash-image")),
        ]).canonicalText)
    }

    /// A candidate without an image: its text, and why it stopped.
    static func noImage(finishReason: String, text: String? = nil) -> FakeReply {
        var candidate: [(String, JSONValue)] = [("finishReason", .string(finishReason)), ("index", .integer(0))]
        if let text {
            candidate.append(("content", .object([("role", .string("model")), ("parts", .array([.object([("text", .string(text))])]))])))
        }
        return .json(JSONValue.object([("candidates", .array([.object(candidate)])),
                                       ("usageMetadata", .object([("promptTokenCount", .integer(1300))]))]).canonicalText)
    }

    /// The input blocked before generation: no candidates, a `promptFeedback.blockReason`.
    static func blocked(_ reason: String) -> FakeReply {
        .json(JSONValue.object([("promptFeedback", .object([("blockReason", .string(reason))])),
                                ("usageMetadata", .object([("promptTokenCount", .integer(1300))]))]).canonicalText)
    }

    /// Google's error body.
    static func error(code: Int, status: String, message: String, details: [JSONValue] = [], headers: [(String, String)] = []) -> FakeReply {
        .json(JSONValue.object([("error", .object([("code", .integer(Int64(code))), ("message", .string(message)), ("status", .string(status)),
                                                   ("details", .array(details))]))]).canonicalText, status: code, headers: headers)
    }
}
