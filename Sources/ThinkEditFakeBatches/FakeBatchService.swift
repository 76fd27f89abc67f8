import Synchronization
import ThinkEditCore

/// An in-memory fake of OpenAI's Files and Batches API (`/v1/files`, `/v1/batches`) with the real
/// lifecycle, for tests and benchmarks of batch mode (issue 17). It speaks the wire format through
/// `handle(method:path:headers:body:)`, which any HTTP shell can call; it never reads the system
/// time and never moves on its own: a test moves it with `step()` (each batch one stage further,
/// in-progress batches answering up to `rate` requests) and `advance(seconds:)` (the clock, which
/// expires batches past their 24-hour window).
///
/// What it keeps to, from OpenAI's API reference and what users report of it:
/// - a file is uploaded as multipart form data (`purpose=batch`, `file`); over `maxFileBytes`
///   the upload is refused with 400 "File is too large.";
/// - a batch is created with `input_file_id`, `endpoint`, `completion_window: "24h"`; creation
///   answers 429 while `rejectCreates` is above 0 (counted down), as a rate-limited account sees;
/// - `validating` fails the batch with `errors.data[]` entries (`code`, `message`, `line`,
///   `param`) for `empty_file`, `invalid_json_line`, `duplicate_custom_id`, `url_mismatch`,
///   `model_mismatch` (more than one model in a file) and `too_many_tasks` (over `maxRequests`);
/// - `in_progress` → `finalizing` → `completed`, with an output file (one line per answered
///   request: `id`, `custom_id`, `response {status_code, request_id, body}`, `error: null`) and an
///   error file (non-200 answers, and requests never run);
/// - `expired` once the clock passes `expires_at`: the answered requests stay in the output file,
///   the others go to the error file with code `batch_expired`;
/// - `cancelling` → `cancelled`, the same way with code `batch_cancelled`.
package final class FakeBatchService: Sendable {
    /// An HTTP answer: status, content type and body.
    package typealias Reply = (status: Int, contentType: String, body: [UInt8])

    /// How a request of a batch is answered: an HTTP status and a JSON body.
    package struct Answer: Sendable {
        package var status: Int
        package var body: JSONValue
        package init(status: Int = 200, body: JSONValue) {
            self.status = status
            self.body = body
        }
    }

    /// One call the service saw, for tests that count uploads and creations.
    package struct Event: Sendable, Equatable {
        package enum Kind: Sendable { case upload, create, createRejected, cancel, download }
        package var kind: Kind
        /// The file or batch (for a refused creation, its input file).
        package var id: String
    }

    package struct Limits: Sendable {
        package var maxRequests: Int
        package var maxFileBytes: Int
        package init(maxRequests: Int = 50_000, maxFileBytes: Int = 200_000_000) {
            self.maxRequests = maxRequests
            self.maxFileBytes = maxFileBytes
        }
    }

    private struct File {
        var id: String
        var filename: String
        var purpose: String
        var bytes: [UInt8]
        var createdAt: Int
    }

    private struct Request {
        var customID: String
        var body: JSONValue
    }

    private struct Batch {
        var id: String
        var inputFileID: String
        var endpoint: String
        var metadata: JSONValue
        var status = "validating"
        var createdAt: Int
        var times: [String: Int] = [:]
        var errors: [JSONValue] = []
        var requests: [Request] = []
        var done: [String] = []          // output file lines
        var failed: [String] = []        // error file lines
        var next = 0                     // requests[next...] are not run yet
        var outputFileID: String?
        var errorFileID: String?
    }

    private struct State {
        var now: Int
        var serial = 0
        var files: [String: File] = [:]
        var batches: [String: Batch] = [:]
        var order: [String] = []         // batch ids, oldest first
        var events: [Event] = []
        var rejectCreates = 0
    }

    private let state: Mutex<State>
    private let answer: @Sendable (String, JSONValue) -> Answer
    private let limits: Limits
    /// Requests an in-progress batch answers per `step()`.
    package let rate: Int
    /// `step()`s taken each time a client looks at a batch (`GET /v1/batches/{id}`): a service
    /// that moves as fast as it is polled, for tests that run a whole batch stage without a clock.
    package let stepsPerPoll: Int

    /// `answer` gives the answer to a request from its `custom_id` and `body`.
    package init(now: Int = 1_764_547_200, rate: Int = 1_000, stepsPerPoll: Int = 0, limits: Limits = Limits(),
                 answer: @escaping @Sendable (String, JSONValue) -> Answer) {
        state = Mutex(State(now: now))
        self.rate = rate
        self.stepsPerPoll = stepsPerPoll
        self.limits = limits
        self.answer = answer
    }

    // MARK: what tests drive and read

    /// The next `count` creations are refused with 429.
    package func rejectNextCreates(_ count: Int) { state.withLock { $0.rejectCreates = count } }

    package var events: [Event] { state.withLock { $0.events } }

    /// The status of every batch, oldest first.
    package var statuses: [String] { state.withLock { s in s.order.map { s.batches[$0]!.status } } }

    /// Moves the clock; batches past `expires_at` that have not finished expire.
    package func advance(seconds: Int) {
        state.withLock { s in
            s.now += seconds
            for id in s.order where s.batches[id]!.times["expires_at"]! <= s.now
                && ["validating", "in_progress", "finalizing"].contains(s.batches[id]!.status) {
                // Taken out of the dictionary while it changes, so its arrays are not copied.
                var b = s.batches.removeValue(forKey: id)!
                Self.close(&b, as: "expired", code: "batch_expired",
                           message: "This request could not be executed before the completion window expired.", state: &s)
                s.batches[id] = b
            }
        }
    }

    /// Moves every unfinished batch one stage on. Returns whether anything changed.
    @discardableResult
    package func step() -> Bool {
        state.withLock { s in
            var changed = false
            for id in s.order {
                var b = s.batches.removeValue(forKey: id)!
                defer { s.batches[id] = b }
                switch b.status {
                case "validating":
                    validate(&b, state: s)
                    if b.errors.isEmpty {
                        b.status = "in_progress"
                        b.times["in_progress_at"] = s.now
                    } else {
                        b.status = "failed"
                        b.times["failed_at"] = s.now
                    }
                    changed = true
                case "in_progress":
                    let end = min(b.requests.count, b.next + rate)
                    for i in b.next..<end { record(&b, b.requests[i], state: &s) }
                    b.next = end
                    if b.next == b.requests.count {
                        b.status = "finalizing"
                        b.times["finalizing_at"] = s.now
                    }
                    changed = true
                case "finalizing":
                    Self.writeFiles(&b, state: &s)
                    b.status = "completed"
                    b.times["completed_at"] = s.now
                    changed = true
                case "cancelling":
                    Self.close(&b, as: "cancelled", code: "batch_cancelled", message: "This request was cancelled with its batch.", state: &s)
                    changed = true
                default:
                    break
                }
            }
            return changed
        }
    }

    /// Runs up to `budget` requests in all, oldest batch first, as a service with a fixed
    /// capacity does: validation and finalizing take no time; a batch whose requests have all run
    /// completes in the same call. Returns the requests run.
    @discardableResult
    package func work(budget: Int) -> Int {
        state.withLock { s in
            var left = budget
            for id in s.order {
                var b = s.batches.removeValue(forKey: id)!
                defer { s.batches[id] = b }
                if b.status == "validating" {
                    validate(&b, state: s)
                    b.status = b.errors.isEmpty ? "in_progress" : "failed"
                    b.times[b.errors.isEmpty ? "in_progress_at" : "failed_at"] = s.now
                }
                if b.status == "in_progress" {
                    let end = min(b.requests.count, b.next + left)
                    for i in b.next..<end { record(&b, b.requests[i], state: &s) }
                    left -= end - b.next
                    b.next = end
                    if b.next == b.requests.count {
                        b.times["finalizing_at"] = s.now
                        b.status = "finalizing"
                    }
                }
                if b.status == "finalizing" {
                    Self.writeFiles(&b, state: &s)
                    b.status = "completed"
                    b.times["completed_at"] = s.now
                }
                if b.status == "cancelling" {
                    Self.close(&b, as: "cancelled", code: "batch_cancelled", message: "This request was cancelled with its batch.", state: &s)
                }
            }
            return budget - left
        }
    }

    // MARK: the wire

    /// Answers one HTTP request: status, content type and body.
    package func handle(method: String, path: String, headers: [String: String], body: [UInt8]) -> Reply {
        guard let auth = headers["authorization"], auth.hasPrefix("Bearer "), auth.count > 7 else {
            return Self.error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.",
                              type: "invalid_request_error", code: nil)
        }
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        let parts = route.split(separator: "/").map(String.init)   // ["v1", "files", ...]
        guard parts.count >= 2, parts[0] == "v1" else { return Self.notFound(path) }
        switch (method, Array(parts.dropFirst())) {
        case ("POST", ["files"]):
            return upload(headers: headers, body: body)
        case ("GET", ["files"]):
            // Newest first, as the service lists them; `purpose` filters.
            let purpose = Self.query(path)["purpose"]
            return state.withLock { s in
                let data = s.files.values.filter { purpose == nil || $0.purpose == purpose }
                    .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.map(Self.fileObject)
                return Self.ok(.object([("object", .string("list")), ("data", .array(data)), ("has_more", .bool(false))]))
            }
        case ("GET", let p) where p.count == 2 && p[0] == "files":
            return state.withLock { s in s.files[p[1]].map { Self.ok(Self.fileObject($0)) } ?? Self.noSuchFile(p[1]) }
        case ("GET", let p) where p.count == 3 && p[0] == "files" && p[2] == "content":
            return state.withLock { s in
                guard let f = s.files[p[1]] else { return Self.noSuchFile(p[1]) }
                s.events.append(Event(kind: .download, id: f.id))
                return (200, "application/octet-stream", f.bytes)
            }
        case ("POST", ["batches"]):
            return create(body: body)
        case ("GET", ["batches"]):
            return state.withLock { s in
                let data = s.order.reversed().map { Self.batchObject(s.batches[$0]!) }
                return Self.ok(.object([("object", .string("list")), ("data", .array(data)),
                                        ("first_id", data.first?["id"] ?? .null), ("last_id", data.last?["id"] ?? .null),
                                        ("has_more", .bool(false))]))
            }
        case ("GET", let p) where p.count == 2 && p[0] == "batches":
            for _ in 0..<stepsPerPoll { step() }
            return state.withLock { s in s.batches[p[1]].map { Self.ok(Self.batchObject($0)) } ?? Self.noSuchBatch(p[1]) }
        case ("POST", let p) where p.count == 3 && p[0] == "batches" && p[2] == "cancel":
            return state.withLock { s in
                guard var b = s.batches[p[1]] else { return Self.noSuchBatch(p[1]) }
                guard ["validating", "in_progress", "finalizing"].contains(b.status) else {
                    return Self.error(409, "Cannot cancel a batch with status '\(b.status)'.", type: "invalid_request_error", code: nil)
                }
                b.status = "cancelling"
                b.times["cancelling_at"] = s.now
                s.batches[b.id] = b
                s.events.append(Event(kind: .cancel, id: b.id))
                return Self.ok(Self.batchObject(b))
            }
        default:
            return Self.notFound(path)
        }
    }

    private func upload(headers: [String: String], body: [UInt8]) -> Reply {
        guard let form = MultipartForm(contentType: headers["content-type"] ?? "", body: body) else {
            return Self.error(400, "Could not parse multipart form", type: "invalid_request_error", code: nil)
        }
        guard let purpose = form.fields["purpose"].map({ String(decoding: $0.data, as: UTF8.self) }) else {
            return Self.error(400, "Missing required parameter: 'purpose'.", type: "invalid_request_error", code: nil, param: "purpose")
        }
        guard let file = form.fields["file"] else {
            return Self.error(400, "Missing required parameter: 'file'.", type: "invalid_request_error", code: nil, param: "file")
        }
        guard file.data.count <= limits.maxFileBytes else {
            return Self.error(400, "File is too large.", type: "invalid_request_error", code: nil)
        }
        return state.withLock { s in
            s.serial += 1
            let f = File(id: "file-\(Self.token(s.serial))", filename: file.filename ?? "upload", purpose: purpose, bytes: file.data, createdAt: s.now)
            s.files[f.id] = f
            s.events.append(Event(kind: .upload, id: f.id))
            return Self.ok(Self.fileObject(f))
        }
    }

    private func create(body: [UInt8]) -> Reply {
        guard let json = try? JSONParser.parse(body), case .string(let input)? = json["input_file_id"],
              case .string(let endpoint)? = json["endpoint"] else {
            return Self.error(400, "Invalid request: input_file_id and endpoint are required.", type: "invalid_request_error", code: nil)
        }
        guard json["completion_window"] == .string("24h") else {
            return Self.error(400, "Invalid value for 'completion_window': only '24h' is supported.", type: "invalid_request_error",
                              code: "invalid_value", param: "completion_window")
        }
        return state.withLock { s in
            if s.rejectCreates > 0 {
                s.rejectCreates -= 1
                s.events.append(Event(kind: .createRejected, id: input))
                return Self.error(429, "Rate limit reached for requests to /v1/batches. Please try again later.", type: "requests",
                                  code: "rate_limit_exceeded")
            }
            guard s.files[input] != nil else { return Self.noSuchFile(input) }
            s.serial += 1
            var b = Batch(id: "batch_\(Self.token(s.serial))", inputFileID: input, endpoint: endpoint, metadata: json["metadata"] ?? .null,
                          createdAt: s.now)
            b.times["expires_at"] = s.now + 24 * 3600
            s.batches[b.id] = b
            s.order.append(b.id)
            s.events.append(Event(kind: .create, id: b.id))
            return Self.ok(Self.batchObject(b))
        }
    }

    // MARK: the lifecycle

    /// Reads the input file into requests, or records why the batch fails.
    private func validate(_ b: inout Batch, state s: State) {
        let bytes = s.files[b.inputFileID]?.bytes ?? []
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var seen = Set<String>()
        var models = Set<String>()
        func fail(_ code: String, _ message: String, line: Int?) {
            b.errors.append(.object([("code", .string(code)), ("message", .string(message)),
                                     ("param", .null), ("line", line.map { .integer(Int64($0)) } ?? .null)]))
        }
        for (i, raw) in lines.enumerated() where !raw.isEmpty {
            guard let line = try? JSONParser.parse(Array(raw)), case .string(let id)? = line["custom_id"], let body = line["body"],
                  line["method"] == .string("POST") else {
                fail("invalid_json_line", "This line is not parseable as valid JSON.", line: i + 1)
                continue
            }
            if !seen.insert(id).inserted {
                fail("duplicate_custom_id", "The custom_id for this request is a duplicate of another request.", line: i + 1)
            }
            if line["url"] != .string(b.endpoint) {
                fail("url_mismatch", "The provided URL for this request does not match the batch endpoint.", line: i + 1)
            }
            if case .string(let model)? = body["model"] { models.insert(model) }
            b.requests.append(Request(customID: id, body: body))
        }
        if b.requests.isEmpty && b.errors.isEmpty {
            fail("empty_file", "The batch input file is empty.", line: nil)
        }
        if models.count > 1 {
            fail("model_mismatch", "The requests of a batch must all use the same model.", line: nil)
        }
        if b.requests.count > limits.maxRequests {
            fail("too_many_tasks", "The batch input file has \(b.requests.count) requests; at most \(limits.maxRequests) are allowed.", line: nil)
        }
        if !b.errors.isEmpty { b.requests = [] }
    }

    /// Runs one request and files its line in the output or the error file.
    private func record(_ b: inout Batch, _ r: Request, state s: inout State) {
        let a = answer(r.customID, r.body)
        s.serial += 1
        let line = JSONValue.object([
            ("id", .string("batch_req_\(Self.token(s.serial))")), ("custom_id", .string(r.customID)),
            ("response", .object([("status_code", .integer(Int64(a.status))), ("request_id", .string("req_\(Self.token(s.serial))")),
                                  ("body", a.body)])),
            ("error", .null),
        ]).canonicalText
        if a.status == 200 { b.done.append(line) } else { b.failed.append(line) }
    }

    /// Ends a batch before all its requests ran: those not run go to the error file with `code`.
    private static func close(_ b: inout Batch, as status: String, code: String, message: String, state s: inout State) {
        for r in b.requests[b.next...] {
            s.serial += 1
            b.failed.append(JSONValue.object([
                ("id", .string("batch_req_\(token(s.serial))")), ("custom_id", .string(r.customID)), ("response", .null),
                ("error", .object([("code", .string(code)), ("message", .string(message))])),
            ]).canonicalText)
        }
        b.next = b.requests.count
        writeFiles(&b, state: &s)
        b.status = status
        b.times[status + "_at"] = s.now
    }

    private static func writeFiles(_ b: inout Batch, state s: inout State) {
        func file(_ lines: [String], _ name: String) -> String? {
            guard !lines.isEmpty else { return nil }
            s.serial += 1
            let f = File(id: "file-\(token(s.serial))", filename: name, purpose: "batch_output",
                         bytes: Array(lines.map { $0 + "\n" }.joined().utf8), createdAt: s.now)
            s.files[f.id] = f
            return f.id
        }
        b.outputFileID = file(b.done, "batch_\(b.id)_output.jsonl")
        b.errorFileID = file(b.failed, "batch_\(b.id)_error.jsonl")
    }

    // MARK: objects and errors

    /// The query parameters of a path (`a=1&b=2`), undecoded.
    private static func query(_ path: String) -> [String: String] {
        guard let q = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        var out: [String: String] = [:]
        for pair in q.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            out[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
        }
        return out
    }

    /// A unique id part: `n` in base 36, padded, as opaque as OpenAI's.
    private static func token(_ n: Int) -> String {
        let digits = String(n, radix: 36)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    private static func fileObject(_ f: File) -> JSONValue {
        .object([("id", .string(f.id)), ("object", .string("file")), ("bytes", .integer(Int64(f.bytes.count))),
                 ("created_at", .integer(Int64(f.createdAt))), ("filename", .string(f.filename)), ("purpose", .string(f.purpose)),
                 ("status", .string("processed")), ("status_details", .null)])
    }

    private static func batchObject(_ b: Batch) -> JSONValue {
        let answered = b.done.count + b.failed.count
        var pairs: [(String, JSONValue)] = [
            ("id", .string(b.id)), ("object", .string("batch")), ("endpoint", .string(b.endpoint)),
            ("errors", b.errors.isEmpty ? .null : .object([("object", .string("list")), ("data", .array(b.errors))])),
            ("input_file_id", .string(b.inputFileID)), ("completion_window", .string("24h")), ("status", .string(b.status)),
            ("output_file_id", b.outputFileID.map { .string($0) } ?? .null), ("error_file_id", b.errorFileID.map { .string($0) } ?? .null),
            ("created_at", .integer(Int64(b.createdAt))),
            ("request_counts", .object([("total", .integer(Int64(b.requests.count))), ("completed", .integer(Int64(b.done.count))),
                                        ("failed", .integer(Int64(answered - b.done.count)))])),
            ("metadata", b.metadata),
        ]
        for key in ["in_progress_at", "expires_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at"] {
            pairs.append((key, b.times[key].map { .integer(Int64($0)) } ?? .null))
        }
        return .object(pairs)
    }

    private static func ok(_ v: JSONValue) -> Reply {
        (200, "application/json", Array(v.canonicalText.utf8))
    }

    private static func error(_ status: Int, _ message: String, type: String, code: String?, param: String? = nil)
        -> Reply {
        let e = JSONValue.object([("error", .object([("message", .string(message)), ("type", .string(type)),
                                                      ("param", param.map { .string($0) } ?? .null), ("code", code.map { .string($0) } ?? .null)]))])
        return (status, "application/json", Array(e.canonicalText.utf8))
    }

    private static func noSuchFile(_ id: String) -> Reply {
        error(404, "No such File object: \(id)", type: "invalid_request_error", code: nil, param: "id")
    }

    private static func noSuchBatch(_ id: String) -> Reply {
        error(404, "No batch found with id '\(id)'.", type: "invalid_request_error", code: nil, param: "batch_id")
    }

    private static func notFound(_ path: String) -> Reply {
        error(404, "Invalid URL (\(path))", type: "invalid_request_error", code: nil)
    }
}

/// A `multipart/form-data` body split into its named parts.
struct MultipartForm {
    struct Part {
        var filename: String?
        var data: [UInt8]
    }

    var fields: [String: Part] = [:]

    init?(contentType: String, body: [UInt8]) {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
              let b = contentType.split(separator: ";").map({ $0.trimmingPrefix(" ") }).first(where: { $0.hasPrefix("boundary=") })
        else { return nil }
        var boundary = String(b.dropFirst("boundary=".count))
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 { boundary = String(boundary.dropFirst().dropLast()) }
        let delimiter = Array(("--" + boundary).utf8)
        var chunks: [ArraySlice<UInt8>] = []
        var start: Int? = nil
        var i = 0
        while i + delimiter.count <= body.count {
            if body[i] == delimiter[0], body[i..<(i + delimiter.count)].elementsEqual(delimiter) {
                if let s = start { chunks.append(body[s..<i]) }
                i += delimiter.count
                start = i
            } else {
                i += 1
            }
        }
        for chunk in chunks {
            // Each part: CRLF, headers, CRLF CRLF, data, CRLF (before the next delimiter).
            let bytes = Array(chunk)
            guard bytes.count >= 4, bytes.starts(with: [13, 10]) else { continue }
            guard let split = (2..<(bytes.count - 3)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 })
            else { continue }
            let head = String(decoding: bytes[2..<split], as: UTF8.self)
            var data = Array(bytes[(split + 4)...])
            if data.count >= 2, data[data.count - 2] == 13, data[data.count - 1] == 10 { data.removeLast(2) }
            guard let disposition = head.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }) else { continue }
            func value(_ key: String) -> String? {
                guard let r = disposition.firstRange(of: "; " + key + "=\"") else { return nil }
                let rest = disposition[r.upperBound...]
                return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
            }
            guard let name = value("name") else { continue }
            fields[name] = Part(filename: value("filename"), data: data)
        }
    }
}
