import Foundation
import GRDB
import Synchronization
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore
import ThinkEditFakeBatches
import ThinkEditTestSupport

/// `score` with `mode: batch` against the in-process Files and Batches API: the same scores as an
/// online run given the same answers, at half the cost; files split at the limits; failed,
/// expired and refused requests retried or failed by class; a lost answer to an upload or a
/// creation never makes a second one.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BatchScoreTests {
    /// The judge both modes ask: its answer depends only on the request body, so equal requests
    /// get equal answers online and in a batch.
    static func judgeContent(_ body: JSONValue) -> String {
        let h = ContentHash.sha256Hex(body.canonicalText)
        let digits = h.unicodeScalars.compactMap { Int(String($0), radix: 16) }
        let a = digits[0] % 11
        let b = Double(digits[1] % 21) / 2
        return #"{"score": [\#(a), \#(b)], "reasoning": "judged \#(h.prefix(10))"}"#
    }

    static func completion(_ body: JSONValue) -> JSONValue { chatCompletion(judgeContent(body), promptTokens: 1_000, completionTokens: 50) }

    /// A chat completion body holding `content`, with its usage.
    static func chatCompletion(_ content: String, promptTokens: Int, completionTokens: Int) -> JSONValue {
        .object([
            ("id", .string("chatcmpl-1")), ("object", .string("chat.completion")),
            ("choices", .array([.object([("index", .integer(0)), ("finish_reason", .string("stop")),
                                         ("message", .object([("role", .string("assistant")), ("content", .string(content))]))])])),
            ("usage", .object([("prompt_tokens", .integer(Int64(promptTokens))), ("completion_tokens", .integer(Int64(completionTokens))),
                               ("total_tokens", .integer(Int64(promptTokens + completionTokens)))])),
        ])
    }

    /// A fake batch service behind HTTP; `intercept` may answer a request itself (a lost answer).
    static func batchServer(_ service: FakeBatchService,
                            intercept: (@Sendable (SeenRequest) -> FakeReply?)? = nil) async throws -> FakeServer {
        try await FakeServer.start { seen in
            let reply = service.handle(method: seen.method, path: seen.path + (seen.query.map { "?" + $0 } ?? ""), headers: seen.headers, body: seen.body)
            if let replaced = intercept?(seen) { return replaced }
            return FakeReply(status: reply.status, headers: [("content-type", reply.contentType)], body: reply.body)
        }
    }

    /// A generated run (synthetic expert and editor) whose judge is an `openai` backend at `url`.
    static func run(scorer: String) async throws -> (RunConfig, RunStore) {
        setenv("THINKEDIT_BATCH_TEST_KEY", "sk-batch-test-key", 1)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-batch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let yaml = """
            workdir: run
            cache: off  # online and batch compared call for call; batch mode does not use the response cache
            seed: 4
            pool: {synth: {count: 12, seed: 3, image_size: 32}}
            generation: {max_turns: 3}
            backends:
              thinker: {kind: synthetic}
              editor: {kind: synthetic}
              scorer: \(scorer)
            """
        let file = (root as NSString).appendingPathComponent("config.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try RunConfig.load(path: file)
        let store = try RunStore.openForWriting(workdir: config.workdir)
        try await StageRunner.run(GenerateStage(), StageContext(config: config, store: store) { _ in })
        return (config, store)
    }

    static func scorer(_ url: String, batch: String = "") -> String {
        """
        {kind: openai, name: judge, base_url: "\(url)/v1", model: judge-1, api_key_env: THINKEDIT_BATCH_TEST_KEY, max_retries: 2, \
        timeout_seconds: 30, price: {prompt_per_million: 2.0, completion_per_million: 8.0}\(batch)}
        """
    }

    static func score(_ config: RunConfig, _ store: RunStore) async throws {
        try await StageRunner.run(ScoreStage(), StageContext(config: config, store: store) { _ in })
    }

    /// Every turn's scores and judge reasoning, in order.
    static func scores(_ store: RunStore) throws -> [String] {
        try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.id, u.turn, u.sc_success, u.sc_overedit, u.pq_natural, u.pq_artifacts, u.overall, u.semantic_reasoning,
                       u.quality_reasoning, t.score_error_class
                FROM turn u JOIN trajectory t ON t.seq = u.trajectory ORDER BY t.id, u.turn
                """).map { "\($0)" }
        }
    }

    static func cost(_ store: RunStore) throws -> Double {
        try store.read { db in try Double.fetchOne(db, sql: "SELECT sum(cost) FROM call WHERE stage = 'score'") ?? 0 }
    }

    static func count(_ store: RunStore, _ sql: String) throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    static let batchKeys = ", mode: batch, batch: {poll_seconds: 0, max_requests: 7}"

    @Test func batchScoresEqualOnlineAtHalfTheCost() async throws {
        let online = try await FakeServer.start { seen in
            FakeReply(status: 200, headers: [("content-type", "application/json")], body: Array(Self.completion(seen.json ?? .null).canonicalText.utf8))
        }
        defer { online.stop() }
        let (onlineConfig, onlineStore) = try await Self.run(scorer: Self.scorer(online.url))
        try await Self.score(onlineConfig, onlineStore)

        let service = FakeBatchService(stepsPerPoll: 1) { _, body in .init(body: Self.completion(body)) }
        let server = try await Self.batchServer(service)
        defer { server.stop() }
        let (config, store) = try await Self.run(scorer: Self.scorer(server.url, batch: Self.batchKeys))
        try await Self.score(config, store)

        let expected = try Self.scores(onlineStore)
        #expect(try Self.scores(store) == expected)
        #expect(try Self.count(store, "SELECT count(*) FROM turn WHERE overall IS NULL") == 0)
        let requests = try Self.count(store, "SELECT count(*) FROM batch_request")
        #expect(requests == 2 * (try Self.count(store, "SELECT count(*) FROM turn")))
        // Split at 7 requests a file, each uploaded and created once.
        let files = (requests + 6) / 7
        #expect(try Self.count(store, "SELECT count(*) FROM batch WHERE state = 'done'") == files)
        #expect(service.events.filter { $0.kind == .upload }.count == files)
        #expect(service.events.filter { $0.kind == .create }.count == files)
        #expect(abs(try Self.cost(store) * 2 - (try Self.cost(onlineStore))) < 1e-9)
        #expect(try Self.cost(store) > 0)
        // The key never reaches the journal or the files.
        let batchFiles = try FileManager.default.contentsOfDirectory(atPath: config.workdir + "/batches")
        for f in batchFiles {
            let text = try String(contentsOfFile: config.workdir + "/batches/" + f, encoding: .utf8)
            #expect(!text.contains("sk-batch-test-key"))
        }
        // Scoring again finds nothing to send.
        try await Self.score(config, store)
        #expect(service.events.filter { $0.kind == .create }.count == files)
    }

    @Test func failedAndExpiredRequestsGoIntoALaterBatch() async throws {
        // The first batch expires before it runs; attempt 2 of every semantic request answers 500.
        let service = FakeBatchService(stepsPerPoll: 1) { id, body in
            id.hasPrefix("judge_semantic") && id.hasSuffix(":2")
                ? .init(status: 500, body: .object([("error", .object([("message", .string("The server had an error")), ("type", .string("server_error"))]))]))
                : .init(body: Self.completion(body))
        }
        let expired = Mutex(false)
        let server = try await Self.batchServer(service) { seen in
            if seen.method == "GET" && seen.path.hasPrefix("/v1/batches/") && !expired.withLock({ e in defer { e = true }; return e }) {
                service.advance(seconds: 24 * 3600 + 1)
            }
            return nil
        }
        defer { server.stop() }
        let (config, store) = try await Self.run(scorer: Self.scorer(server.url, batch: ", mode: batch, batch: {poll_seconds: 0}"))
        try await Self.score(config, store)
        #expect(service.statuses.first == "expired")
        #expect(try Self.count(store, "SELECT count(*) FROM turn WHERE overall IS NULL") == 0)
        #expect(try Self.count(store, "SELECT count(*) FROM call WHERE error_class = 'expired'") > 0)
        #expect(try Self.count(store, "SELECT count(*) FROM call WHERE error_class = 'server' AND kind = 'judge_semantic'") > 0)
        #expect(try Self.count(store, "SELECT count(*) FROM trajectory WHERE score_error_class IS NOT NULL") == 0)
        // Each turn's answer was committed once.
        #expect(try Self.count(store, "SELECT count(*) FROM call WHERE stage = 'score' AND outcome = 'ok'") == 2 * (try Self.count(store, "SELECT count(*) FROM turn")))
    }

    @Test func refusedRequestsAndRefusedFilesFailTheirTrajectoriesByClass() async throws {
        // One trajectory's requests are refused with 400; a file over the service's own request
        // limit fails validation as a whole.
        let refusing = Mutex(true)
        let service = FakeBatchService(stepsPerPoll: 1, limits: .init(maxRequests: 5)) { id, body in
            id.contains(":1:") && refusing.withLock { $0 }
                ? .init(status: 400, body: .object([("error", .object([("message", .string("Invalid image")), ("type", .string("invalid_request_error"))]))]))
                : .init(body: Self.completion(body))
        }
        let server = try await Self.batchServer(service)
        defer { server.stop() }
        let (config, store) = try await Self.run(scorer: Self.scorer(server.url, batch: ", mode: batch, batch: {poll_seconds: 0, max_requests: 6}"))
        try await Self.score(config, store)
        let failures = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT score_error_class, score_error_message FROM trajectory WHERE score_error_class IS NOT NULL")
                .map { ($0[0] as String, $0[1] as String) }
        }
        #expect(!failures.isEmpty)
        #expect(failures.allSatisfy { $0.0 == "bad_request" })
        #expect(failures.contains { $0.1.contains("too_many_tasks") })
        #expect(service.statuses.contains("failed"))

        // `retry-failed` sends them again with a fresh set of retries, under new custom ids.
        refusing.withLock { $0 = false }
        _ = try store.retryFailed(classes: [.badRequest])
        var c = config
        c.backends.scorer.batch.maxRequests = 5
        try await Self.score(c, store)
        #expect(try Self.count(store, "SELECT count(*) FROM turn WHERE overall IS NULL") == 0)
        #expect(try Self.count(store, "SELECT count(*) FROM batch_request WHERE state = 'retried'") > 0)
        #expect(try Self.count(store, "SELECT count(*) FROM batch_request WHERE state = 'answered' AND attempt = 2 AND tries = 1") > 0)
    }

    @Test func aLostAnswerToUploadOrCreateMakesNoSecondOne() async throws {
        let service = FakeBatchService(stepsPerPoll: 1) { _, body in .init(body: Self.completion(body)) }
        let lost = Mutex(Set<String>())
        // The first upload and the first creation reach the service, but their answers are lost.
        let server = try await Self.batchServer(service) { seen in
            guard seen.method == "POST", seen.path == "/v1/files" || seen.path == "/v1/batches" else { return nil }
            return lost.withLock { l in l.insert(seen.path).inserted } ? FakeReply.json(#"{"error": {"message": "Bad gateway"}}"#, status: 502, headers: [("retry-after", "0")]) : nil
        }
        defer { server.stop() }
        let (config, store) = try await Self.run(scorer: Self.scorer(server.url, batch: ", mode: batch, batch: {poll_seconds: 0}"))
        try await Self.score(config, store)
        #expect(service.events.filter { $0.kind == .upload }.count == 1)
        #expect(service.events.filter { $0.kind == .create }.count == 1)
        #expect(try Self.count(store, "SELECT count(*) FROM turn WHERE overall IS NULL") == 0)
    }
}

/// `budget:` stops a stage before its spend would pass the cap, online and in batch mode, and the
/// stage goes on when the cap is raised.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BudgetTests {
    static func spent(_ store: RunStore) throws -> Double {
        try store.read { db in try Double.fetchOne(db, sql: "SELECT coalesce(sum(cost), 0) FROM call WHERE stage = 'score'") ?? 0 }
    }

    /// Each judge answer costs 1,000 prompt and 50 completion tokens at 2 / 8 per million:
    /// 0.0024 online, 0.0012 in a batch.
    @Test(arguments: [false, true])
    func aStageStopsAtItsCapAndGoesOnWhenItIsRaised(batch: Bool) async throws {
        let service = FakeBatchService(stepsPerPoll: 1) { _, body in .init(body: BatchScoreTests.completion(body)) }
        let server = try await BatchScoreTests.batchServer(service)
        let online = try await FakeServer.start { seen in
            FakeReply(status: 200, headers: [("content-type", "application/json")],
                      body: Array(BatchScoreTests.completion(seen.json ?? .null).canonicalText.utf8))
        }
        defer { server.stop(); online.stop() }
        let keys = batch ? ", mode: batch, batch: {poll_seconds: 0}" : ", concurrency: 3"
        var (config, store) = try await BatchScoreTests.run(scorer: BatchScoreTests.scorer(batch ? server.url : online.url, batch: keys))
        let each = batch ? 0.0012 : 0.0024
        let requests = 2 * (try BatchScoreTests.count(store, "SELECT count(*) FROM turn"))
        config.budget.score = each * 10.5
        await #expect(throws: BudgetReached.self) { try await BatchScoreTests.score(config, store) }
        let spent = try Self.spent(store)
        #expect(spent <= each * 10.5 + 1e-9)
        #expect(spent > 0)
        #expect(try BatchScoreTests.count(store, "SELECT count(*) FROM turn WHERE overall IS NOT NULL") < requests / 2)
        #expect(try BatchScoreTests.count(store, "SELECT count(*) FROM trajectory WHERE score_error_class IS NOT NULL") == 0)
        let runs = try store.latestStageRuns()
        #expect(runs[.score]?.status != .done)

        // A run cap below what was spent stops it before the first new call.
        config.budget.score = nil
        config.budget.run = spent
        await #expect(throws: BudgetReached.self) { try await BatchScoreTests.score(config, store) }
        #expect(abs(try Self.spent(store) - spent) < 1e-9)

        config.budget.run = 100
        try await BatchScoreTests.score(config, store)
        #expect(try BatchScoreTests.count(store, "SELECT count(*) FROM turn WHERE overall IS NULL") == 0)
        #expect(abs(try Self.spent(store) - each * Double(requests)) < 1e-9)
    }
}
