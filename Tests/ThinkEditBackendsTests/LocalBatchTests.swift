import Foundation
import GRDB
import Synchronization
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// `thinkedit batch write` / `batch read` with an offline runner that writes what `vllm run-batch`
/// writes: the results committed as online answers are, requests out in a file never sent twice,
/// a failed line sent again by the next write, a results file read once.
@Suite(.serialized, .timeLimit(.minutes(2))) struct LocalBatchTests {
    /// What `vllm run-batch -i input -o output` writes: one line per request, `response.body` the
    /// chat completion; the requests numbered in `fail` get vLLM's error form (a status, no body,
    /// the reason as a string).
    static func vllmRun(_ input: String, _ output: String, fail: Set<Int> = [], answer: (JSONValue) -> JSONValue) throws {
        var out = ""
        let lines = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n")
        for (i, line) in lines.enumerated() {
            let request = try JSONParser.parse(Array(line.utf8))
            let id = request["custom_id"] ?? .null
            let result: JSONValue = fail.contains(i)
                ? .object([("id", .string("vllm-\(i)")), ("custom_id", id),
                           ("response", .object([("status_code", .integer(500)), ("request_id", .string("vllm-batch-\(i)")), ("body", .null)])),
                           ("error", .string("Internal server error: CUDA out of memory"))])
                : .object([("id", .string("vllm-\(i)")), ("custom_id", id),
                           ("response", .object([("status_code", .integer(200)), ("request_id", .string("vllm-batch-\(i)")),
                                                 ("body", answer(request["body"] ?? .null))])),
                           ("error", .null)])
            out += result.canonicalText + "\n"
        }
        try out.write(toFile: output, atomically: true, encoding: .utf8)
    }

    static func context(_ config: RunConfig, _ store: RunStore) -> StageContext { StageContext(config: config, store: store) { _ in } }

    @Test func scoreThroughLocalFilesEqualsOnline() async throws {
        let calls = RequestCounter()
        let online = try await FakeServer.start { seen in
            calls.add()
            return FakeReply(status: 200, headers: [("content-type", "application/json")],
                             body: Array(BatchScoreTests.completion(seen.json ?? .null).canonicalText.utf8))
        }
        defer { online.stop() }
        let (expectedConfig, expected) = try await BatchScoreTests.run(scorer: BatchScoreTests.scorer(online.url))
        try await BatchScoreTests.score(expectedConfig, expected)
        let sentOnline = calls.count

        let (config, store) = try await BatchScoreTests.run(scorer: BatchScoreTests.scorer(online.url))
        let dir = (config.workdir as NSString).deletingLastPathComponent
        let written = try await LocalBatch.write(Self.context(config, store), stage: .score, to: dir + "/requests.jsonl")
        #expect(written.requests == sentOnline)
        // While the file is out, an online score sends none of its requests.
        try await BatchScoreTests.score(config, store)
        #expect(calls.count == sentOnline)

        try Self.vllmRun(dir + "/requests.jsonl", dir + "/results.jsonl", fail: [3]) { BatchScoreTests.completion($0) }
        let read = try await LocalBatch.read(Self.context(config, store), from: dir + "/results.jsonl")
        #expect(read.answered == sentOnline - 1)
        #expect(read.failed == 1)
        #expect(try BatchScoreTests.count(store, "SELECT count(*) FROM call WHERE error_class = 'server'") == 1)
        await #expect(throws: LocalBatch.Problem.self) { try await LocalBatch.read(Self.context(config, store), from: dir + "/results.jsonl") }

        let again = try await LocalBatch.write(Self.context(config, store), stage: .score, to: dir + "/requests-2.jsonl")
        #expect(again.requests == 1)
        #expect(try String(contentsOfFile: dir + "/requests-2.jsonl", encoding: .utf8).contains(":2\""))
        try Self.vllmRun(dir + "/requests-2.jsonl", dir + "/results-2.jsonl") { BatchScoreTests.completion($0) }
        _ = try await LocalBatch.read(Self.context(config, store), from: dir + "/results-2.jsonl")
        #expect(try BatchScoreTests.scores(store) == (try BatchScoreTests.scores(expected)))
        #expect(try await LocalBatch.write(Self.context(config, store), stage: .score, to: dir + "/requests-3.jsonl").requests == 0)
    }

    @Test func aBudgetCapsWhatBatchWriteWrites() async throws {
        var (config, store) = try await BatchScoreTests.run(scorer: BatchScoreTests.scorer("http://127.0.0.1:9"))
        let dir = (config.workdir as NSString).deletingLastPathComponent
        let all = 2 * (try BatchScoreTests.count(store, "SELECT count(*) FROM turn"))
        config.budget.score = 0.01
        let written = try await LocalBatch.write(Self.context(config, store), stage: .score, to: dir + "/requests.jsonl")
        #expect(written.requests > 0 && written.requests < all)
        #expect(written.capped?.contains("budget.score.usd") == true)
        let lines = try String(contentsOfFile: dir + "/requests.jsonl", encoding: .utf8).split(separator: "\n").count
        #expect(lines == written.requests)
    }

    @Test func generateThroughLocalFilesEqualsOnline() async throws {
        let online = try await FakeServer.start { seen in
            FakeReply(status: 200, headers: [("content-type", "application/json")],
                      body: Array(BatchGenerateTests.completion(seen.json ?? .null).canonicalText.utf8))
        }
        defer { online.stop() }
        let expected = try await BatchGenerateTests.run(thinker: BatchGenerateTests.thinker(online.url), firstTurn: "rewrite")

        // The same run with its expert answered offline, round by round.
        setenv("THINKEDIT_BATCH_TEST_KEY", "sk-batch-test-key", 1)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-localgen-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try """
            workdir: run
            cache: off  # online and batch compared call for call; batch mode does not use the response cache
            seed: 5
            pool: {synth: {count: 14, seed: 2, image_size: 32}}
            generation: {max_turns: 4, first_turn: rewrite}
            backends:
              thinker: \(BatchGenerateTests.thinker("http://127.0.0.1:9"))
              editor: {kind: synthetic}
              scorer: {kind: synthetic}
            """.write(toFile: root + "/config.yaml", atomically: true, encoding: .utf8)
        let config = try RunConfig.load(path: root + "/config.yaml")
        let store = try RunStore.openForWriting(workdir: config.workdir)
        try await StageRunner.run(PoolStage(), Self.context(config, store))
        var rounds = 0
        while true {
            let file = root + "/round-\(rounds).jsonl"
            let written = try await LocalBatch.write(Self.context(config, store), stage: .generate, to: file)
            if written.requests == 0 { break }
            rounds += 1
            try Self.vllmRun(file, file + ".out") { BatchGenerateTests.completion($0) }
            _ = try await LocalBatch.read(Self.context(config, store), from: file + ".out")
        }
        #expect(rounds >= 3)
        #expect(try BatchGenerateTests.export(store) == (try BatchGenerateTests.export(expected)))
    }
}

/// Counts the requests a fake server answered.
final class RequestCounter: Sendable {
    private let n = Mutex(0)
    func add() { n.withLock { $0 += 1 } }
    var count: Int { n.withLock { $0 } }
}
