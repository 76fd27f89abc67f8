import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
import ThinkEditFakeBatches
import ThinkEditTestSupport

/// The fake of OpenAI's Files and Batches API (`FakeBatchService`) over real HTTP: the lifecycle,
/// output and error files, per-request errors, validation failures, limits and 429 on create.
/// Batch mode (issue 17) is tested against it, so it must behave as the service does.
@Suite("Fake Files and Batches API")
struct FakeBatchAPITests {
    /// A fake service behind an HTTP server, and a client that speaks to it as an API user would.
    struct Harness {
        let service: FakeBatchService
        let server: FakeServer

        static func start(rate: Int = 1_000, limits: FakeBatchService.Limits = .init(),
                          answer: @escaping @Sendable (String, JSONValue) -> FakeBatchService.Answer = Harness.echo) async throws -> Harness {
            let service = FakeBatchService(rate: rate, limits: limits, answer: answer)
            let server = try await FakeServer.start { seen in
                let reply = service.handle(method: seen.method, path: seen.path + (seen.query.map { "?" + $0 } ?? ""),
                                           headers: seen.headers, body: seen.body)
                return FakeReply(status: reply.status, headers: [("content-type", reply.contentType)], body: reply.body)
            }
            return Harness(service: service, server: server)
        }

        /// Answers a chat request with its custom id as the message.
        @Sendable static func echo(_ id: String, _ body: JSONValue) -> FakeBatchService.Answer {
            .init(body: .object([("object", .string("chat.completion")),
                                 ("choices", .array([.object([("index", .integer(0)), ("message", .object([("role", .string("assistant")),
                                                                                                               ("content", .string("answer to \(id)"))]))])]))]))
        }

        func send(_ method: String, _ path: String, json: String? = nil, key: String? = "sk-test") async throws -> (Int, JSONValue?, [UInt8]) {
            var headers: [(String, String)] = []
            if let key { headers.append(("authorization", "Bearer \(key)")) }
            if json != nil { headers.append(("content-type", "application/json")) }
            let reply = try await HTTPTransport.shared.send(HTTPCall(method: method, url: server.url + path, headers: headers,
                                                                     body: json.map { Array($0.utf8) }))
            return (reply.status, try? JSONParser.parse(reply.body), reply.body)
        }

        /// Uploads `text` as a batch input file; returns the answer.
        func upload(_ text: String, purpose: String = "batch") async throws -> (Int, JSONValue?) {
            let boundary = "fake-batch-test"
            var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\(purpose)\r\n".utf8)
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"requests.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n".utf8)
            body += Array(text.utf8) + Array("\r\n--\(boundary)--\r\n".utf8)
            let reply = try await HTTPTransport.shared.send(HTTPCall(
                method: "POST", url: server.url + "/v1/files",
                headers: [("authorization", "Bearer sk-test"), ("content-type", "multipart/form-data; boundary=\(boundary)")], body: body))
            return (reply.status, try? JSONParser.parse(reply.body))
        }

        /// Uploads the lines and creates a batch of them; returns the batch id.
        func batch(_ lines: [String]) async throws -> String {
            let (status, file) = try await upload(lines.joined(separator: "\n") + "\n")
            #expect(status == 200)
            let fileID = try #require(file?["id"].flatMap(\.stringValue))
            let (created, batch, _) = try await send("POST", "/v1/batches",
                                                     json: #"{"input_file_id": "\#(fileID)", "endpoint": "/v1/chat/completions", "completion_window": "24h"}"#)
            #expect(created == 200)
            #expect(batch?["status"] == .string("validating"))
            return try #require(batch?["id"].flatMap(\.stringValue))
        }

        func get(_ batch: String) async throws -> JSONValue {
            let (status, object, _) = try await send("GET", "/v1/batches/\(batch)")
            #expect(status == 200)
            return try #require(object)
        }

        /// The lines of a file, parsed.
        func lines(of file: JSONValue?) async throws -> [JSONValue] {
            guard let id = file?.stringValue else { return [] }
            let (status, _, bytes) = try await send("GET", "/v1/files/\(id)/content")
            #expect(status == 200)
            return try bytes.split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(Array($0)) }
        }
    }

    static func request(_ id: String, model: String = "gpt-4.1", url: String = "/v1/chat/completions") -> String {
        #"{"custom_id": "\#(id)", "method": "POST", "url": "\#(url)", "body": {"model": "\#(model)", "messages": [{"role": "user", "content": "judge \#(id)"}]}}"#
    }

    @Test func aBatchGoesThroughValidatingInProgressFinalizingToCompletedWithItsOutputFile() async throws {
        let h = try await Harness.start()
        defer { h.server.stop() }
        let id = try await h.batch(["a", "b", "c"].map { Self.request($0) })
        for expected in ["in_progress", "finalizing", "completed"] {
            #expect(h.service.step())
            #expect(try await h.get(id)["status"] == .string(expected))
        }
        #expect(!h.service.step(), "a completed batch does not move")
        let batch = try await h.get(id)
        #expect(batch["request_counts"] == (try JSONParser.parse(#"{"total": 3, "completed": 3, "failed": 0}"#)))
        #expect(batch["error_file_id"] == .null)
        for key in ["in_progress_at", "finalizing_at", "completed_at", "expires_at"] { #expect(batch[key]?.isNumber == true, "\(key)") }
        let output = try await h.lines(of: batch["output_file_id"])
        #expect(output.map { $0["custom_id"] } == ["a", "b", "c"].map { .string($0) })
        for line in output {
            #expect(line["response"]?["status_code"] == .integer(200))
            #expect(line["error"] == .null)
            let content = line["response"]?["body"]?["choices"]?.arrayValue?.first?["message"]?["content"]
            #expect(content == .string("answer to \(line["custom_id"]!.stringValue!)"))
        }
    }

    @Test func aRequestAnsweredWithAnErrorGoesToTheErrorFile() async throws {
        let h = try await Harness.start { id, body in
            id == "bad" ? .init(status: 400, body: .object([("error", .object([("message", .string("Invalid 'messages'")),
                                                                               ("type", .string("invalid_request_error"))]))]))
                        : Harness.echo(id, body)
        }
        defer { h.server.stop() }
        let id = try await h.batch([Self.request("ok"), Self.request("bad")])
        while h.service.step() {}
        let batch = try await h.get(id)
        #expect(batch["status"] == .string("completed"))
        #expect(batch["request_counts"]?["completed"] == .integer(1) && batch["request_counts"]?["failed"] == .integer(1))
        #expect(try await h.lines(of: batch["output_file_id"]).map { $0["custom_id"] } == [.string("ok")])
        let errors = try await h.lines(of: batch["error_file_id"])
        #expect(errors.count == 1)
        #expect(errors.first?["custom_id"] == .string("bad") && errors.first?["response"]?["status_code"] == .integer(400))
    }

    @Test(arguments: [
        (["{not json"], "invalid_json_line", 1 as Int?),
        ([request("x"), request("x")], "duplicate_custom_id", 2),
        ([request("x"), request("y", url: "/v1/embeddings")], "url_mismatch", 2),
        ([request("x"), request("y", model: "gpt-4.1-mini")], "model_mismatch", nil),
        ([request("x"), request("y"), request("z")], "too_many_tasks", nil),
        ([""], "empty_file", nil),
    ])
    func aBadInputFileFailsTheBatchAtValidationWithTheLine(_ lines: [String], _ code: String, _ line: Int?) async throws {
        let h = try await Harness.start(limits: .init(maxRequests: 2))
        defer { h.server.stop() }
        let id = try await h.batch(lines)
        #expect(h.service.step())
        let batch = try await h.get(id)
        #expect(batch["status"] == .string("failed"))
        #expect(batch["failed_at"]?.isNumber == true)
        let errors = try #require(batch["errors"]?["data"]?.arrayValue)
        let match = errors.first { $0["code"] == .string(code) }
        #expect(match != nil, "\(errors)")
        #expect(match?["line"] == (line.map { .integer(Int64($0)) } ?? .null))
        #expect(batch["output_file_id"] == .null)
    }

    @Test func anExpiredBatchKeepsItsFinishedAnswersAndFilesTheRestAsExpired() async throws {
        let h = try await Harness.start(rate: 2)
        defer { h.server.stop() }
        let id = try await h.batch((1...5).map { Self.request("r\($0)") })
        h.service.step()   // validated
        h.service.step()   // two answered
        h.service.advance(seconds: 24 * 3600 - 1)
        #expect(try await h.get(id)["status"] == .string("in_progress"), "not yet past the window")
        h.service.advance(seconds: 1)
        let batch = try await h.get(id)
        #expect(batch["status"] == .string("expired"))
        #expect(batch["expired_at"]?.isNumber == true)
        #expect(try await h.lines(of: batch["output_file_id"]).map { $0["custom_id"] } == [.string("r1"), .string("r2")])
        let rest = try await h.lines(of: batch["error_file_id"])
        #expect(rest.map { $0["custom_id"] } == ["r3", "r4", "r5"].map { .string($0) })
        #expect(rest.allSatisfy { $0["error"]?["code"] == .string("batch_expired") && $0["response"] == .null })
    }

    @Test func aCancelledBatchGoesThroughCancelling() async throws {
        let h = try await Harness.start(rate: 1)
        defer { h.server.stop() }
        let id = try await h.batch((1...3).map { Self.request("r\($0)") })
        h.service.step()
        h.service.step()
        let (status, cancelling, _) = try await h.send("POST", "/v1/batches/\(id)/cancel")
        #expect(status == 200 && cancelling?["status"] == .string("cancelling"))
        h.service.step()
        let batch = try await h.get(id)
        #expect(batch["status"] == .string("cancelled") && batch["cancelled_at"]?.isNumber == true)
        #expect(try await h.lines(of: batch["output_file_id"]).count == 1)
        #expect(try await h.lines(of: batch["error_file_id"]).map { $0["error"]?["code"] } == [.string("batch_cancelled"), .string("batch_cancelled")])
        let (again, _, _) = try await h.send("POST", "/v1/batches/\(id)/cancel")
        #expect(again == 409, "a cancelled batch cannot be cancelled again")
    }

    @Test func limitsAndRefusalsAnswerAsTheServiceDoes() async throws {
        let h = try await Harness.start(limits: .init(maxFileBytes: 1_000))
        defer { h.server.stop() }
        let (tooLarge, error) = try await h.upload(String(repeating: Self.request("x") + "\n", count: 10))
        #expect(tooLarge == 400 && error?["error"]?["message"] == .string("File is too large."))

        let (_, file) = try await h.upload(Self.request("x") + "\n")
        let fileID = try #require(file?["id"]?.stringValue)
        #expect(file?["purpose"] == .string("batch") && file?["object"] == .string("file"))
        h.service.rejectNextCreates(1)
        let create = #"{"input_file_id": "\#(fileID)", "endpoint": "/v1/chat/completions", "completion_window": "24h"}"#
        let (limited, body, _) = try await h.send("POST", "/v1/batches", json: create)
        #expect(limited == 429 && body?["error"]?["code"] == .string("rate_limit_exceeded"))
        let (created, _, _) = try await h.send("POST", "/v1/batches", json: create)
        #expect(created == 200)
        #expect(h.service.events.filter { $0.kind == .create }.count == 1)
        #expect(h.service.events.filter { $0.kind == .createRejected }.count == 1)

        let (window, _, _) = try await h.send("POST", "/v1/batches", json: create.replacingOccurrences(of: "24h", with: "1h"))
        #expect(window == 400)
        let (unknown, _, _) = try await h.send("GET", "/v1/batches/batch_nope")
        #expect(unknown == 404)
        let (noKey, _, _) = try await h.send("GET", "/v1/batches", key: nil)
        #expect(noKey == 401)
        let (listed, list, _) = try await h.send("GET", "/v1/batches?limit=20")
        #expect(listed == 200 && list?["data"]?.arrayValue?.count == 1)
    }
}

private extension JSONValue {
    var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    var isNumber: Bool {
        switch self {
        case .integer, .unsigned, .number: true
        default: false
        }
    }
}
