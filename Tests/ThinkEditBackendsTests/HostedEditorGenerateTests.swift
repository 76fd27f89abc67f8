import Foundation
import GRDB
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditImaging
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// `generate` from a config through each hosted editor kind, against in-process fakes of BFL and
/// Gemini and a fake expert: the edits land in their turns with what the service reports, each
/// image is charged its price in the journal and shows in `status`, the key stays out of the run,
/// and a moderated or failed edit leaves the trajectory failed with no half-written turn.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HostedEditorGenerateTests {
    static let keyVariable = "THINKEDIT_HOSTED_CANARY_KEY"
    static let canary = "hosted-CANARY-9b1d7e3f5a2c4e6d"

    /// An expert that asks for one refinement ("add more red"), then is satisfied.
    static func expert() async throws -> FakeServer {
        try await FakeServer.start { seen in
            chatAnswer(seen.text.contains("add more red")
                ? #"{"is_satisfied": true, "reason": "done", "new_rewritten_prompt": ""}"#
                : #"{"is_satisfied": false, "reason": "too pale", "new_rewritten_prompt": "add more red"}"#)
        }
    }

    /// A PNG of its own for each edit (edits that echoed the source would share its hash).
    static func edited(_ n: Int) -> [UInt8] {
        try! ImageCodec.encodePNG(RGBImage(width: 8, height: 6, fill: (UInt8(n * 20 % 256), 30, 200)))
    }

    struct Run {
        var root: String
        var config: RunConfig
        var store: RunStore
        var logs: LineLog
    }

    /// A run of 3 synthetic pool items whose editor is `editor` (a YAML flow mapping).
    static func run(editor: String, expert: FakeServer) async throws -> Run {
        setenv(keyVariable, canary, 1)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-hosted-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let yaml = """
            workdir: run
            seed: 11
            pool: {synth: {count: 3, seed: 5, image_size: 32}}
            generation: {max_turns: 3}
            backends:
              thinker: {kind: openai, name: expert, base_url: "\(expert.url)/v1", model: fake, concurrency: 3, price: {prompt_per_million: 2.0, completion_per_million: 8.0}}
              editor: \(editor)
            """
        let file = (root as NSString).appendingPathComponent("config.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try RunConfig.load(path: file)
        let store = try RunStore.openForWriting(workdir: config.workdir)
        let logs = LineLog()
        try await StageRunner.run(PoolStage(), StageContext(config: config, store: store) { logs.add($0) })
        try await generate(Run(root: root, config: config, store: store, logs: logs))
        return Run(root: root, config: config, store: store, logs: logs)
    }

    static func generate(_ run: Run) async throws {
        _ = try await StageRunner.run(GenerateStage(), StageContext(config: run.config, store: run.store) { run.logs.add($0) })
    }

    static func trajectories(_ store: RunStore) throws -> [Trajectory] {
        var all: [Trajectory] = []
        try store.forEachTrajectory { t, _ in all.append(t) }
        return all
    }

    /// The costs of the journal's edit calls, by outcome.
    static func editCosts(_ store: RunStore) throws -> (ok: [Double], failed: [String]) {
        try store.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT outcome, error_class, cost FROM call WHERE kind = 'edit' ORDER BY id")
            return (rows.filter { ($0["outcome"] as String) == "ok" }.map { $0["cost"] },
                    rows.filter { ($0["outcome"] as String) == "error" }.map { ($0["error_class"] as String?) ?? "-" })
        }
    }

    /// Every file of the run and every log line and status text is free of the key.
    static func expectNoKey(_ run: Run, _ status: StatusReport) {
        let needle = Array(canary.utf8)
        let walker = FileManager.default.enumerator(atPath: run.root)
        while let relative = walker?.nextObject() as? String {
            let path = (run.root as NSString).appendingPathComponent(relative)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            #expect(!Array(data).contains(subsequence: needle), "the key leaked into \(relative)")
        }
        #expect(!(run.logs.all.joined(separator: "\n") + status.table + status.json).contains(canary))
    }

    @Test func generateThroughBFLRecordsWhatItRanAndChargesEachImage() async throws {
        let expert = try await Self.expert()
        let bfl = try await FakeBFL.start { n, _ in FakeBFL.JobPlan(pending: 1, image: Self.edited(n)) }
        defer { expert.stop(); bfl.stop() }
        let run = try await Self.run(editor: """
            {kind: bfl, name: flux-pro, model: flux-kontext-pro, base_url: "\(bfl.baseURL)", api_key_env: \(Self.keyVariable), concurrency: 3, poll_interval_seconds: 0.05, price: {per_image: 0.04}}
            """, expert: expert)
        defer { try? FileManager.default.removeItem(atPath: run.root) }

        let trajectories = try Self.trajectories(run.store)
        #expect(trajectories.count == 3 && trajectories.allSatisfy { $0.status == .complete })
        let turns = trajectories.flatMap(\.turns)
        #expect(turns.count == 6 && turns.allSatisfy { $0.image != nil })
        for turn in turns {
            // BFL reports the prompt it ran (as sent: prompt_upsampling is off) and the seed it used.
            #expect(turn.executedPrompt == turn.instruction && !turn.promptRewritten)
            #expect(turn.executedSeed == turn.seed.map { $0 & 0x7FFF_FFFF })
        }
        #expect(bfl.submits.count == 6 && bfl.submits.allSatisfy { $0.headers["x-key"] == Self.canary })
        #expect(bfl.submits.allSatisfy { $0.json?["prompt_upsampling"] == .bool(false) })

        let (ok, failed) = try Self.editCosts(run.store)
        #expect(ok == Array(repeating: 0.04, count: 6) && failed.isEmpty)
        let status = try StatusReport(store: run.store)
        let generate = try #require(status.spend.first { $0.stage == "generate" })
        #expect(abs((generate.backends.first { $0.backend == "flux-pro" }?.cost ?? 0) - 0.24) < 1e-9)
        #expect(generate.backends.first { $0.backend == "flux-pro" }?.calls == 6)
        #expect(status.table.contains("by backend: expert 0.00 for 6 calls, flux-pro 0.24 for 6 calls"))
        #expect(status.json.contains("\"flux-pro\":{\"calls\":6,\"cost\":0.2"))
        Self.expectNoKey(run, status)
    }

    @Test func generateThroughGeminiImageChargesEachImage() async throws {
        let expert = try await Self.expert()
        let edits = Locked(0)
        let gemini = try await FakeServer.start { seen in
            guard seen.path.hasSuffix("/models/gemini-2.5-flash-image:generateContent"), seen.headers["x-goog-api-key"] == Self.canary else {
                return GeminiAnswer.error(code: 403, status: "PERMISSION_DENIED", message: "unexpected request")
            }
            return GeminiAnswer.image(Self.edited(edits.update { $0 += 1; return $0 }))
        }
        defer { expert.stop(); gemini.stop() }
        let run = try await Self.run(editor: """
            {kind: gemini-image, name: nano-banana, model: gemini-2.5-flash-image, base_url: "\(gemini.url)/v1beta", api_key_env: \(Self.keyVariable), concurrency: 3, price: {per_image: 0.039}}
            """, expert: expert)
        defer { try? FileManager.default.removeItem(atPath: run.root) }

        let trajectories = try Self.trajectories(run.store)
        #expect(trajectories.count == 3 && trajectories.allSatisfy { $0.status == .complete })
        let turns = trajectories.flatMap(\.turns)
        #expect(turns.count == 6 && turns.allSatisfy { $0.image != nil && $0.executedPrompt == nil })
        let (ok, _) = try Self.editCosts(run.store)
        #expect(ok == Array(repeating: 0.039, count: 6))
        let status = try StatusReport(store: run.store)
        #expect(status.table.contains("nano-banana 0.23 for 6 calls"))
        // The tokens Gemini reports are journaled beside the image price.
        let tokens = try run.store.read { db in try Int.fetchOne(db, sql: "SELECT sum(completion_tokens) FROM call WHERE kind = 'edit'") }
        #expect(tokens == 6 * 1290)
        Self.expectNoKey(run, status)
    }

    /// The second edit of every trajectory fails for good; the trajectory is failed with the
    /// class, its second turn keeps the expert's instruction with no image, nothing of the failed
    /// call is stored but its journal row, and `retry-failed` finishes it once the editor works.
    @Test(arguments: [("Content Moderated", "moderated"), ("Error", "server")])
    func aModeratedOrFailedEditLeavesNoHalfWrittenTurn(status: String, expected: String) async throws {
        let expert = try await Self.expert()
        let blocking = Locked(true)
        let bfl = try await FakeBFL.start { n, request in
            let refused = blocking.value && (request["prompt"] == .string("add more red"))
            return FakeBFL.JobPlan(status: refused ? status : "Ready", image: Self.edited(n))
        }
        defer { expert.stop(); bfl.stop() }
        let run = try await Self.run(editor: """
            {kind: bfl, name: flux-pro, model: flux-kontext-pro, base_url: "\(bfl.baseURL)", api_key_env: \(Self.keyVariable), concurrency: 3, poll_interval_seconds: 0.05, max_retries: 1, timeout_seconds: 30, price: {per_image: 0.04}}
            """, expert: expert)
        defer { try? FileManager.default.removeItem(atPath: run.root) }

        var trajectories = try Self.trajectories(run.store)
        #expect(trajectories.allSatisfy { $0.status == .failed })
        #expect(try run.store.snapshot().failures == [CallErrorClass(rawValue: expected)!: 3])
        for t in trajectories {
            #expect(t.turns.count == 2)
            #expect(t.turns.first?.image != nil)
            #expect(t.turns.last?.instruction == "add more red" && t.turns.last?.image == nil && t.turns.last?.executedSeed == nil)
        }
        // Stored images: the 3 sources and the 3 first edits, each file with its row and no other file.
        let rows = try run.store.read { db in try String.fetchAll(db, sql: "SELECT hash FROM image") }
        #expect(rows.count == 6)
        let files = (FileManager.default.enumerator(atPath: run.store.images.root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".png") }
        #expect(Set(files.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }) == Set(rows))
        var (ok, failed) = try Self.editCosts(run.store)
        #expect(ok == [0.04, 0.04, 0.04])
        // Moderated: one attempt each. Server: the attempt and its retry each.
        #expect(failed == Array(repeating: expected, count: expected == "moderated" ? 3 : 6))

        blocking.value = false
        let requeued = try run.store.retryFailed(classes: [CallErrorClass(rawValue: expected)!])
        #expect(requeued.generation == 3)
        try await Self.generate(run)
        trajectories = try Self.trajectories(run.store)
        #expect(trajectories.allSatisfy { $0.status == .complete && $0.turns.count == 2 && $0.turns.allSatisfy { $0.image != nil } })
        (ok, _) = try Self.editCosts(run.store)
        #expect(ok.count == 6)
        Self.expectNoKey(run, try StatusReport(store: run.store))
    }
}
