import Foundation
import GRDB
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore
import ThinkEditFakeBatches
import ThinkEditTestSupport

/// `generate` with the expert in `mode: batch`: rounds of batched expert calls with the edits
/// online in between give the same trajectories (turns, instructions, seeds, images) as an online
/// run given the same answers, at half the expert's cost.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BatchGenerateTests {
    /// The expert both modes ask: satisfied with a third of the edits it sees, otherwise a new
    /// instruction named after the request; it depends only on the request body.
    static func expertContent(_ body: JSONValue) -> String {
        let h = ContentHash.sha256Hex(body.canonicalText)
        var images = 0
        if case .array(let messages)? = body["messages"] {
            for m in messages { if case .array(let parts)? = m["content"] { images += parts.filter { $0["type"] == .string("image_url") }.count } }
        }
        if images >= 2 && h.first! < "6" {
            return #"{"is_satisfied": true, "reason": "done \#(h.prefix(6))", "new_rewritten_prompt": ""}"#
        }
        return #"{"is_satisfied": false, "reason": "not yet \#(h.prefix(6))", "new_rewritten_prompt": "make it redder, step \#(h.prefix(8))"}"#
    }

    static func completion(_ body: JSONValue) -> JSONValue {
        BatchScoreTests.chatCompletion(expertContent(body), promptTokens: 800, completionTokens: 40)
    }

    static func run(thinker: String, firstTurn: String) async throws -> RunStore {
        setenv("THINKEDIT_BATCH_TEST_KEY", "sk-batch-test-key", 1)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-batchgen-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let yaml = """
            workdir: run
            cache: off  # online and batch compared call for call; batch mode does not use the response cache
            seed: 5
            pool: {synth: {count: 14, seed: 2, image_size: 32}}
            generation: {max_turns: 4, first_turn: \(firstTurn)}
            backends:
              thinker: \(thinker)
              editor: {kind: synthetic}
              scorer: {kind: synthetic}
            """
        let file = (root as NSString).appendingPathComponent("config.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try RunConfig.load(path: file)
        let store = try RunStore.openForWriting(workdir: config.workdir)
        try await StageRunner.run(GenerateStage(), StageContext(config: config, store: store) { _ in })
        return store
    }

    static func thinker(_ url: String, batch: String = "") -> String {
        """
        {kind: openai, name: expert, base_url: "\(url)/v1", model: expert-1, api_key_env: THINKEDIT_BATCH_TEST_KEY, max_retries: 2, \
        timeout_seconds: 30, price: {prompt_per_million: 2.0, completion_per_million: 8.0}\(batch)}
        """
    }

    static func export(_ store: RunStore) throws -> String {
        let out = store.workdir + "/../trajectories.jsonl"
        _ = try TrajectoryExporter(store: store).export(to: out)
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    static func thinkCost(_ store: RunStore) throws -> (calls: Int, cost: Double) {
        try store.read { db in
            let r = try Row.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(sum(cost), 0) AS cost FROM call WHERE kind = 'think' AND outcome = 'ok'")!
            return (r["n"], r["cost"])
        }
    }

    @Test(arguments: ["original", "rewrite"])
    func batchGenerationEqualsOnline(firstTurn: String) async throws {
        let online = try await FakeServer.start { seen in
            FakeReply(status: 200, headers: [("content-type", "application/json")], body: Array(Self.completion(seen.json ?? .null).canonicalText.utf8))
        }
        defer { online.stop() }
        let expected = try await Self.run(thinker: Self.thinker(online.url), firstTurn: firstTurn)

        let service = FakeBatchService(stepsPerPoll: 1) { _, body in .init(body: Self.completion(body)) }
        let server = try await BatchScoreTests.batchServer(service)
        defer { server.stop() }
        let store = try await Self.run(thinker: Self.thinker(server.url, batch: ", mode: batch, batch: {poll_seconds: 0, max_requests: 9}"),
                                       firstTurn: firstTurn)

        let text = try Self.export(store)
        #expect(text == (try Self.export(expected)))
        #expect(text.contains("make it redder"))
        #expect(text.contains("\"end_reason\":\"stop\""))
        let (onlineCalls, onlineCost) = try Self.thinkCost(expected)
        let (calls, cost) = try Self.thinkCost(store)
        #expect(calls == onlineCalls)
        #expect(abs(cost * 2 - onlineCost) < 1e-9)
        // Several rounds, each split at 9 requests a file, each file created once.
        let batches = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM batch WHERE stage = 'generate'") ?? 0 }
        #expect(batches >= 3)
        #expect(service.events.filter { $0.kind == .create }.count == batches)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM trajectory WHERE status <> 'complete'") } == 0)
    }
}
