import Foundation
import GRDB
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// The API key reaches the server and nothing else: generate and score run through fake servers
/// with a canary key in the environment, then every file of the work directory and every log line
/// is searched for it.
@Suite struct CanaryKeyTests {
    static let canary = "sk-CANARY-7f3a9c1e5b2d4f6a8c0e"

    @Test func theKeyNeverLandsInTheWorkdirOrTheLogs() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-canary-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeAtPath(root) }
        setenv("THINKEDIT_CANARY_KEY", Self.canary, 1)

        let turnCounter = RequestLog()
        let server = try await FakeServer.start { seen in
            if seen.path.hasSuffix("/edit") {
                // Echo the source back as the edit: a valid image every time.
                guard let image = seen.json?["image"] else { return .json("{}", status: 400) }
                return .json(JSONValue.object([("success", .bool(true)), ("edited_image", image)]).canonicalText)
            }
            if seen.path.hasPrefix("/judge/") {
                return chatAnswer(#"{"score": [6, 8], "reasoning": "mostly right"}"#)
            }
            turnCounter.add(seen)
            // Ask for one refinement, then be satisfied; and fail the first call with a 429 to journal an attempt.
            if turnCounter.count == 1 { return .json(#"{"error": "rate limited"}"#, status: 429, headers: [("Retry-After", "0")]) }
            let satisfied = seen.text.contains("add more red")
            return chatAnswer(satisfied ? #"{"is_satisfied": true, "reason": "done", "new_rewritten_prompt": ""}"#
                                        : #"{"is_satisfied": false, "reason": "too pale", "new_rewritten_prompt": "add more red"}"#)
        }
        defer { server.stop() }

        let yaml = """
        workdir: run
        seed: 3
        pool: {synth: {count: 3, seed: 5}}
        generation: {max_turns: 3}
        backends:
          thinker: {kind: openai, base_url: "\(server.url)/expert", model: gpt-4.1, api_key_env: THINKEDIT_CANARY_KEY, concurrency: 2, max_retries: 2, price: {prompt_per_million: 2.0, completion_per_million: 8.0}}
          scorer: {kind: openai, base_url: "\(server.url)/judge", model: gpt-4.1, api_key_env: THINKEDIT_CANARY_KEY, concurrency: 2, price: {prompt_per_million: 2.0, completion_per_million: 8.0}}
          editor: {kind: editthinker-http, name: fake-editor, endpoints: ["\(server.url)"], concurrency: 2, extra: {steps: 4}}
        """
        let file = (root as NSString).appendingPathComponent("config.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try RunConfig.load(path: file)
        let logs = LineLog()
        let store = try RunStore.openForWriting(workdir: config.workdir)
        let context = StageContext(config: config, store: store) { logs.add($0) }
        try await StageRunner.run(PoolStage(), context)
        _ = try await StageRunner.run(GenerateStage(), context)
        _ = try await StageRunner.run(ScoreStage(), context)
        let status = try StatusReport(store: store)

        // The key was used: every chat request carried it.
        let chats = server.log.all.filter { $0.path.hasSuffix("chat/completions") }
        #expect(!chats.isEmpty)
        #expect(chats.allSatisfy { $0.headers["authorization"] == "Bearer \(Self.canary)" })
        // The run did its work, with a retried attempt in the journal and spend in the status.
        let snapshot = try store.snapshot()
        #expect(snapshot.trajectories[.complete] == 3)
        #expect(snapshot.scoredTurns == snapshot.turns)
        #expect(snapshot.callErrors[.rateLimit] == 1)
        // The 429 attempt is journaled on its own; the call's final record says it was attempt 2.
        let thinks = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT trajectory, turn, attempt, outcome, error_class, http_status FROM call WHERE kind = 'think' ORDER BY id")
        }
        let limited = try #require(thinks.first { ($0["error_class"] as String?) == "rate_limit" })
        #expect(limited["attempt"] == 1)
        #expect(limited["http_status"] == 429)
        let finalRecord = thinks.first { ($0["outcome"] as String) == "ok" && ($0["trajectory"] as Int64?) == limited["trajectory"]
            && ($0["turn"] as Int?) == limited["turn"] }
        #expect(finalRecord.map { $0["attempt"] as Int } == 2)
        #expect(status.spend.first { $0.stage == "score" }?.projected != nil)
        #expect(status.table.contains("projected total"))

        // ... and it is nowhere else.
        let needle = Array(Self.canary.utf8)
        var searched = 0
        let walker = FileManager.default.enumerator(atPath: root)
        while let relative = walker?.nextObject() as? String {
            let path = (root as NSString).appendingPathComponent(relative)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            searched += 1
            #expect(!Array(data).contains(subsequence: needle), "the key leaked into \(relative)")
        }
        #expect(searched >= 3)
        let text = logs.all.joined(separator: "\n") + status.table + status.json
        #expect(!text.contains(Self.canary))
        #expect(!logs.all.isEmpty)
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        for i in 0...(count - needle.count) where self[i] == needle[0] {
            if Array(self[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }
}

extension FileManager {
    func removeAtPath(_ path: String) throws { try removeItem(atPath: path) }
}
