import Foundation
import Synchronization
import ThinkEditCore

/// A batch as the Batches API reports it (`GET /v1/batches/{id}`).
package struct RemoteBatch: Sendable, Hashable {
    package var id: String
    /// `validating`, `failed`, `in_progress`, `finalizing`, `completed`, `expired`, `cancelling`,
    /// `cancelled`.
    package var status: String
    package var inputFileID: String
    package var outputFileID: String?
    package var errorFileID: String?
    package var total: Int
    package var completed: Int
    package var failed: Int
    /// Validation errors of a `failed` batch, one line each (`code` (line n): message).
    package var errors: [String]
    package var createdAt: Int?
    /// When it finished (completed, failed, expired or cancelled), when it has.
    package var finishedAt: Int?

    /// The states after which nothing more happens to a batch.
    static let finalStates: Set<String> = ["completed", "failed", "expired", "cancelled"]
    package var isFinished: Bool { Self.finalStates.contains(status) }
}

/// OpenAI's Files and Batches API (`/v1/files`, `/v1/batches`), as batch mode uses it: upload a
/// request file, find it again by name after a crash, create a batch over it (or find the one
/// already created), poll it, download its output and error files to disk, cancel it. Every call
/// goes through the backend's reliability layer (429, 5xx and network failures are retried with
/// backoff); the bodies of uploads and downloads stream from and to disk, so a 200 MB file never
/// sits in memory.
package struct OpenAIBatchAPI: Sendable {
    package var backend: String
    /// The backend's `base_url` (`https://api.openai.com/v1`).
    package var baseURL: String
    package var key: APIKey?
    package var authHeader: AuthHeader
    package var reliability: Reliability
    var transport: HTTPTransport

    package init(backend: String, baseURL: String, key: APIKey?, authHeader: AuthHeader? = nil, reliability: Reliability,
                transport: HTTPTransport = .shared) {
        self.backend = backend
        self.baseURL = baseURL
        self.key = key
        self.authHeader = authHeader ?? .implied(by: baseURL)
        self.reliability = reliability
        self.transport = transport
    }

    /// The `url` each request line names: the path of `base_url` followed by `/chat/completions`
    /// (`/v1/chat/completions` for OpenAI), which must equal the batch's `endpoint`.
    package var endpoint: String {
        let full = OpenAIChatClient.join(baseURL, "chat/completions")
        let noQuery = full.split(separator: "?", maxSplits: 1).first.map(String.init) ?? full
        guard let scheme = noQuery.range(of: "://"), let slash = noQuery[scheme.upperBound...].firstIndex(of: "/") else {
            return "/v1/chat/completions"
        }
        return String(noQuery[slash...])
    }

    private func url(_ path: String) -> String { OpenAIChatClient.join(baseURL, path) }

    private func headers(json: Bool) -> [(String, String)] {
        var h = [("accept", "application/json")]
        if json { h.append(("content-type", "application/json")) }
        if let key { h.append(authHeader.field(key)) }
        return h
    }

    /// One exchange through the reliability layer; a non-2xx answer becomes its classified error.
    private func exchange(_ call: HTTPCall) async throws -> JSONValue {
        let api = self
        return try await reliability.perform { (try await api.exchangeOnce(call), nil) }
    }

    /// One exchange, no retry.
    private func exchangeOnce(_ call: HTTPCall) async throws -> JSONValue {
        let reply = try await transport.send(call)
        try HTTPStatusCheck.check(reply, backend: backend, url: call.url, key: key)
        return try WireJSON.answer(reply.body, from: call.url, backend: backend)
    }

    /// Runs `make` through the reliability layer; before each retry, `find` looks for what a
    /// failed attempt may have made all the same (an answer lost after the service acted), so a
    /// retry never makes a second file or batch.
    private func once<T: Sendable>(find: @escaping @Sendable () async throws -> T?, make: @escaping @Sendable () async throws -> T) async throws -> T {
        let attempts = Mutex(0)
        return try await reliability.perform {
            let n = attempts.withLock { n in
                n += 1
                return n
            }
            if n > 1, let found = try await find() { return (found, nil) }
            return (try await make(), nil)
        }
    }

    // MARK: files

    /// Uploads the request file at `path` as `filename` (purpose `batch`); returns the file id.
    package func upload(path: String, filename: String) async throws -> String {
        let boundary = "thinkedit-" + ContentHash.sha256Hex(filename).prefix(24)
        let head = Array(("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n"
            + "Content-Type: application/jsonl\r\n\r\n").utf8)
        let tail = Array("\r\n--\(boundary)--\r\n".utf8)
        var h = headers(json: false)
        h.append(("content-type", "multipart/form-data; boundary=\(boundary)"))
        let call = HTTPCall(method: "POST", url: url("files"), headers: h, bodyFile: HTTPBodyFile(head: head, path: path, tail: tail),
                            timeout: max(reliability.transportTimeout, 3600))
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1
        let api = self
        return try await once(find: { try await api.findFile(filename: filename, bytes: size) }) {
            let answer = try await api.exchangeOnce(call)
            guard let id = LooseJSON.text(answer["id"]) else {
                throw BackendError(.parse, backend: api.backend, "\(call.url) answered the upload without a file id")
            }
            return id
        }
    }

    /// The id of an uploaded batch file named `filename` of `bytes` bytes, if the account has one
    /// (a crash after the upload reached the service but before its id was recorded).
    package func findFile(filename: String, bytes: Int) async throws -> String? {
        var after: String? = nil
        while true {
            let page = try await exchange(HTTPCall(method: "GET", url: url("files?purpose=batch&limit=10000&order=desc" + (after.map { "&after=\($0)" } ?? "")),
                                                   headers: headers(json: false), timeout: reliability.transportTimeout))
            guard case .array(let data)? = page["data"] else { return nil }
            for f in data where LooseJSON.text(f["filename"]) == filename {
                if case .integer(let n)? = f["bytes"], n != bytes { continue }
                if let id = LooseJSON.text(f["id"]) { return id }
            }
            guard page["has_more"] == .bool(true), let last = data.last.flatMap({ LooseJSON.text($0["id"]) }) else { return nil }
            after = last
        }
    }

    /// Streams the content of file `id` to `path` (written whole, then renamed into place).
    package func download(fileID id: String, to path: String) async throws {
        let call = HTTPCall(method: "GET", url: url("files/\(id)/content"), headers: headers(json: false),
                            maxResponseBytes: Int.max, timeout: max(reliability.transportTimeout, 3600))
        let api = self
        try await reliability.perform {
            let status = try await api.transport.download(call, to: path)
            if !(200..<300).contains(status.status) {
                try HTTPStatusCheck.check(status, backend: api.backend, url: call.url, key: api.key)
            }
            return ((), nil)
        }
    }

    // MARK: batches

    /// Creates a batch over an uploaded file; `metadata` helps a person find it in the dashboard.
    package func create(inputFileID: String, metadata: [(String, String)]) async throws -> RemoteBatch {
        var fields: [(String, JSONValue)] = [("input_file_id", .string(inputFileID)), ("endpoint", .string(endpoint)),
                                             ("completion_window", .string("24h"))]
        if !metadata.isEmpty { fields.append(("metadata", .object(metadata.map { ($0.0, .string($0.1)) }))) }
        let call = HTTPCall(method: "POST", url: url("batches"), headers: headers(json: true), body: WireJSON.body(fields, extra: []),
                            timeout: reliability.transportTimeout)
        let api = self
        return try await once(find: { try await api.findBatch(inputFileID: inputFileID) }) { try api.batch(try await api.exchangeOnce(call)) }
    }

    /// The batch created over `inputFileID`, if there is one (a crash after the creation reached
    /// the service but before its id was recorded). Looks through the newest `pages` pages.
    package func findBatch(inputFileID: String, pages: Int = 20) async throws -> RemoteBatch? {
        var after: String? = nil
        for _ in 0..<pages {
            let page = try await exchange(HTTPCall(method: "GET", url: url("batches?limit=100" + (after.map { "&after=\($0)" } ?? "")),
                                                   headers: headers(json: false), timeout: reliability.transportTimeout))
            guard case .array(let data)? = page["data"] else { return nil }
            for b in data where LooseJSON.text(b["input_file_id"]) == inputFileID { return try batch(b) }
            guard page["has_more"] == .bool(true), let last = data.last.flatMap({ LooseJSON.text($0["id"]) }) else { return nil }
            after = last
        }
        return nil
    }

    package func get(_ id: String) async throws -> RemoteBatch {
        try batch(try await exchange(HTTPCall(method: "GET", url: url("batches/\(id)"), headers: headers(json: false),
                                              timeout: reliability.transportTimeout)))
    }

    package func cancel(_ id: String) async throws -> RemoteBatch {
        try batch(try await exchange(HTTPCall(method: "POST", url: url("batches/\(id)/cancel"), headers: headers(json: true),
                                              body: [], timeout: reliability.transportTimeout)))
    }

    private func batch(_ v: JSONValue) throws -> RemoteBatch {
        guard let id = LooseJSON.text(v["id"]), let status = LooseJSON.text(v["status"]) else {
            throw BackendError(.parse, backend: backend, "the Batches API answered without a batch id and status")
        }
        func int(_ x: JSONValue?) -> Int? { if case .integer(let i)? = x { return Int(i) }; return nil }
        var errors: [String] = []
        if case .array(let data)? = v["errors"]?["data"] {
            for e in data {
                let line = int(e["line"]).map { " (line \($0))" } ?? ""
                errors.append("\(LooseJSON.text(e["code"]) ?? "error")\(line): \(LooseJSON.text(e["message"]) ?? "")")
            }
        }
        let counts = v["request_counts"]
        let finished = ["completed_at", "failed_at", "expired_at", "cancelled_at"].lazy.compactMap { int(v[$0]) }.first
        return RemoteBatch(id: id, status: status, inputFileID: LooseJSON.text(v["input_file_id"]) ?? "",
                           outputFileID: LooseJSON.text(v["output_file_id"]), errorFileID: LooseJSON.text(v["error_file_id"]),
                           total: int(counts?["total"]) ?? 0, completed: int(counts?["completed"]) ?? 0, failed: int(counts?["failed"]) ?? 0,
                           errors: errors, createdAt: int(v["created_at"]), finishedAt: finished)
    }
}

/// One line of a batch output or error file (OpenAI's, or `vllm run-batch`'s, which is the same):
/// the request's `custom_id`, and either the HTTP answer (`response.status_code`, `response.body`)
/// or an `error` with a code (`batch_expired`, `batch_cancelled`...).
package struct BatchResultLine: Sendable {
    package var customID: String
    package var status: Int?
    /// `response.body`, parsed.
    package var body: JSONValue?
    var errorCode: String?
    var errorMessage: String?

    /// Reads one line; nil when it is not a result line (no `custom_id`).
    package static func parse(_ line: ArraySlice<UInt8>) -> BatchResultLine? {
        guard let v = try? JSONParser.parse(Array(line)), let id = LooseJSON.text(v["custom_id"]) else { return nil }
        var r = BatchResultLine(customID: id)
        if let response = v["response"], !response.isNull {
            if case .integer(let s)? = response["status_code"] { r.status = Int(s) }
            if let body = response["body"], !body.isNull {
                // A JSON body (OpenAI, vLLM); one sent as a string is read as the body's text.
                if case .string(let text) = body { r.body = (try? JSONParser.parse(Array(text.utf8))) ?? body } else { r.body = body }
            }
        }
        if let error = v["error"], !error.isNull {
            // OpenAI gives an object with a code; vLLM's run-batch a message string.
            r.errorCode = LooseJSON.text(error["code"]) ?? "error"
            r.errorMessage = LooseJSON.text(error["message"]) ?? LooseJSON.text(error) ?? error.canonicalText
        }
        return r
    }

    init(customID: String, status: Int? = nil, body: JSONValue? = nil, errorCode: String? = nil, errorMessage: String? = nil) {
        self.customID = customID
        self.status = status
        self.body = body
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

private extension JSONValue {
    var isNull: Bool { if case .null = self { true } else { false } }
}

extension OpenAIChatClient {
    /// One line of a batch request file: `custom_id`, `method`, `url` and the chat request `body`
    /// exactly as it would be sent online.
    package static func batchLine(customID: String, endpoint: String, body: [UInt8]) -> [UInt8] {
        var w = JSONWriter()
        w.object { w in
            w.key("custom_id"); w.string(customID)
            w.key("method"); w.string("POST")
            w.key("url"); w.string(endpoint)
            w.key("body")
        }
        // The body is already JSON: spliced in before the closing brace.
        var line = Array(w.text.utf8)
        line.removeLast()
        line += body
        line += Array("}\n".utf8)
        return line
    }

    /// The chat completion in a batch result line, read as an online answer is: the same
    /// failure classes (a non-200 status by its HTTP meaning, a refusal, a truncation, a body that
    /// is not a chat completion). Expired and cancelled requests are classes `expired` and
    /// `cancelled`.
    package func completion(of line: BatchResultLine) throws -> ChatCompletion {
        if line.body == nil, let status = line.status, !(200..<300).contains(status) {
            // vLLM's run-batch: the request's HTTP status, and the reason as the error text.
            try HTTPStatusCheck.check(HTTPReply(status: status, headers: [], body: Array((line.errorMessage ?? "").utf8)), backend: backend,
                                      url: "the batch request \(line.customID)", key: key)
        }
        if let code = line.errorCode, line.body == nil {
            let message = "the batch did not answer this request (\(code): \(line.errorMessage ?? ""))"
            switch code {
            case "batch_expired": throw BackendError(.expired, backend: backend, message)
            case "batch_cancelled": throw BackendError(.cancelled, backend: backend, message)
            default: throw BackendError(.server, backend: backend, message)
            }
        }
        guard let body = line.body else {
            throw BackendError(.parse, backend: backend, "the batch result line for \(line.customID) has neither a response body nor an error")
        }
        let status = line.status ?? 200
        if !(200..<300).contains(status) {
            try HTTPStatusCheck.check(HTTPReply(status: status, headers: [], body: Array(body.canonicalText.utf8)), backend: backend,
                                      url: "the batch request \(line.customID)", key: key)
        }
        return try answer(from: body)
    }
}
