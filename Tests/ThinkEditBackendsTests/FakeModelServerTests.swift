import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditImaging
@testable import ThinkEditPipeline
@testable import ThinkEditStore
import ThinkEditTestSupport
import Synchronization

/// Jobs a test has started and not yet seen end.
final class RunningJobs: Sendable {
    let count = Atomic<Int>(0)
}

/// `thinkedit-fake-server` speaks what the real drivers expect, and injects the faults it is asked
/// for at the rates asked. These tests run the built binary (`swift build --build-tests` builds it)
/// on a free loopback port.
@Suite struct FakeModelServerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: String { root.appendingPathComponent(".build/debug/thinkedit-fake-server").path }

    /// The server as a child process; killed by `stop()`.
    final class Server: @unchecked Sendable {
        let process = Process()
        let url: String
        private let output: FileHandle

        init(_ arguments: [String]) throws {
            guard FileManager.default.isExecutableFile(atPath: FakeModelServerTests.binary) else {
                throw FakeServerMissing(path: FakeModelServerTests.binary)
            }
            process.executableURL = URL(fileURLWithPath: FakeModelServerTests.binary)
            process.arguments = ["--port", "0"] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            // Not the test runner's stderr: a server that outlived a crashed test process would
            // hold it open, and `swift test` would wait for it forever.
            process.standardError = FileHandle.nullDevice
            try process.run()
            output = pipe.fileHandleForReading
            var text = ""
            // Wait for the whole "listening" line, whatever the server prints before it.
        while !text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().contains(where: { $0.hasPrefix("listening ") }) {
                let data = output.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }) else {
                process.terminate()
                throw FakeServerMissing(path: "thinkedit-fake-server printed \(text)")
            }
            url = "http://127.0.0.1:\(line.dropFirst("listening ".count))"
        }

        /// The server's counters at `GET /stats`.
        func stats() async throws -> JSONValue {
            let reply = try await HTTPTransport.shared.send(HTTPCall(method: "GET", url: "\(url)/stats", timeout: 10))
            return try JSONParser.parse(reply.body)
        }

        /// Stops the server and returns its last words (the `stats {...}` line).
        func stop() -> String {
            process.terminate()
            process.waitUntilExit()
            return String(decoding: output.readDataToEndOfFile(), as: UTF8.self)
        }
    }

    struct FakeServerMissing: Error, CustomStringConvertible {
        var path: String
        var description: String { "cannot start \(path): run `swift build --build-tests` first" }
    }

    /// Runs `job(0..<total)` with at most `width` in flight and counts the outcomes it returns.
    static func tally(_ total: Int, width: Int, running: RunningJobs? = nil,
                      _ job: @escaping @Sendable (Int) async -> String) async -> [String: Int] {
        await withTaskGroup(of: String.self) { group in
            var counts: [String: Int] = [:]
            var next = 0
            // `running` counts jobs from before they start until after they end.
            func start(_ i: Int) {
                running?.count.add(1, ordering: .sequentiallyConsistent)
                group.addTask {
                    let outcome = await job(i)
                    running?.count.subtract(1, ordering: .sequentiallyConsistent)
                    return outcome
                }
            }
            while next < min(width, total) { start(next); next += 1 }
            for await outcome in group {
                counts[outcome, default: 0] += 1
                if next < total { start(next); next += 1 }
            }
            return counts
        }
    }

    static func int(_ v: JSONValue?) -> Int { if case .integer(let i)? = v { return Int(i) }; return 0 }

    /// Runs `work` (jobs counted by `running`), whose client keeps its deadlines on `clock` in
    /// `reliability`, and makes the requests the server holds (its injected timeouts, held far
    /// longer than any test) reach their deadline, and only those: time moves by `deadline` at a
    /// moment when every job running has its deadline armed and is a held request. Requests that
    /// are merely slow, on a machine whose cores are busy, never time out, because no other time
    /// passes.
    static func releasingHeldRequests(_ server: Server, clock: ManualClock, reliability: Reliability, running: RunningJobs,
                                      deadline: Duration,
                                      _ work: @escaping @Sendable () async -> [String: Int]) async throws -> [String: Int] {
        try await withThrowingTaskGroup(of: [String: Int]?.self) { group in
            group.addTask { await work() }
            group.addTask {
                var released = 0
                while !Task.isCancelled {
                    // The server counts a held request on arrival; the client armed its deadline
                    // before it sent it. Once every running job is armed and as many are armed as
                    // the server holds, nothing runs but held requests, and nothing new starts
                    // until one of them times out: the state cannot change before the move.
                    let held = int(try await server.stats()["injected"]?["timeout"]) - released
                    let jobs = running.count.load(ordering: .sequentiallyConsistent)
                    if held > 0, jobs == held, reliability.armedDeadlines == held, running.count.load(ordering: .sequentiallyConsistent) == jobs {
                        clock.advance(by: deadline)
                        released += held
                    } else {
                        // Pacing for the poll only: no outcome depends on how long this is.
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
                return nil
            }
            let counts = try await group.next()!!
            group.cancelAll()
            return counts
        }
    }

    /// One generate + score run against `server` from a config in a fresh, otherwise empty folder
    /// (no prompts folder: the built-in prompts); returns the store. `editor` adds keys to the
    /// editor's backend, `top` adds top-level config lines.
    static func run(against server: Server, count: Int, retries: Int = 2, editor: String = "", top: String = "") async throws -> RunStore {
        try await run(against: server, count: count, retries: retries, editor: editor, top: top).store
    }

    static func run(against server: Server, count: Int, retries: Int, editor: String, top: String) async throws -> (store: RunStore, config: RunConfig) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-fakeserver-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let yaml = """
            workdir: run
            seed: 4
            pool: {synth: {count: \(count), seed: 2, image_size: 48}}
            generation: {max_turns: 5}
            backends:
              thinker: {kind: openai, name: expert, base_url: "\(server.url)/v1", model: fake, concurrency: 8, max_retries: \(retries), timeout_seconds: 10}
              scorer: {kind: openai, name: judge, base_url: "\(server.url)", model: fake, concurrency: 8, max_retries: \(retries), timeout_seconds: 10}
              editor: {kind: editthinker-http, name: fake-editor, endpoints: ["\(server.url)"], concurrency: 8, max_retries: \(retries), timeout_seconds: 10\(editor)}
            \(top)
            """
        let file = (dir as NSString).appendingPathComponent("config.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try RunConfig.load(path: file)
        let store = try RunStore.openForWriting(workdir: config.workdir)
        let context = StageContext(config: config, store: store) { _ in }
        try await StageRunner.run(PoolStage(), context)
        try await StageRunner.run(GenerateStage(), context)
        try await StageRunner.run(ScoreStage(), context)
        return (store, config)
    }

    static func trajectories(_ store: RunStore) throws -> [Trajectory] {
        var all: [Trajectory] = []
        try store.forEachTrajectory { t, _ in all.append(t) }
        return all
    }

    /// Every trajectory as text: its turns' instructions, image hashes and sub-scores.
    static func digest(_ store: RunStore) throws -> [String] {
        try trajectories(store).map { t in
            "\(t.id) \(t.endReason?.rawValue ?? "-") " + t.turns.map { "[\($0.instruction)|\($0.image ?? "-")|\($0.score.map { "\($0.semantic)/\($0.quality)" } ?? "-")]" }.joined()
        }
    }

    @Test func theRealDriversCompleteGenerateAndScoreAgainstTheFakeServerReproducibly() async throws {
        let server = try Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let first = try await Self.run(against: server, count: 30)
        let s = try first.snapshot()
        #expect(s.trajectories[.complete] == 30)
        #expect(s.scoredTurns == s.turns)
        let trajectories = try Self.trajectories(first)
        // The expert both stops and refines: some trajectories end by its decision after several turns.
        #expect(trajectories.contains { $0.endReason == .stop && $0.turns.count >= 2 })
        #expect(trajectories.contains { $0.turns.count == 1 })
        #expect(trajectories.allSatisfy { $0.turns.dropFirst().allSatisfy { $0.instruction.hasPrefix("Revision ") } })
        // The judge's numbers are integers from 0 to 10 and differ between images.
        let scores = trajectories.flatMap { $0.turns.compactMap(\.score) }
        #expect(scores.allSatisfy { $0.semantic.isInteger && $0.quality.isInteger })
        #expect(Set(scores.map { "\($0.semantic)/\($0.quality)" }).count > 3)
        // The same requests get the same answers: a second run gives the same trajectories.
        let second = try await Self.run(against: server, count: 30)
        #expect(try Self.digest(first) == Self.digest(second))
        #expect(try Self.digest(first).count == 30)
        let stats = try await server.stats()
        // The editor was told not to rewrite prompts, and every turn records that the editor ran
        // the instruction as written, with the seed sent.
        #expect(Self.int(stats["edit"]?["enhanced"]) == 0)
        for turn in trajectories.flatMap(\.turns) {
            #expect(turn.executedPrompt == nil && !turn.promptRewritten)
            #expect(turn.executedSeed == turn.seed)
        }
        #expect(Self.int(stats["injected"]?["429"]) == 0)
        #expect(Self.int(stats["expert"]?["ok"]) > 0 && Self.int(stats["judge"]?["ok"]) > 0 && Self.int(stats["edit"]?["ok"]) > 0)
    }

    @Test func aServerThatRewritesPromptsIsRecordedMarkedAndItsTrajectoriesDroppedUnlessKept() async throws {
        let server = try Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let (store, config) = try await Self.run(against: server, count: 12, retries: 2, editor: ", enhance_prompt: true", top: "")
        let trajectories = try Self.trajectories(store)
        let turns = trajectories.flatMap(\.turns)
        #expect(!turns.isEmpty && trajectories.count == 12)
        // Every edit ran the server's rewrite, and the turn says so beside the instruction sent.
        for turn in turns {
            #expect(turn.executedPrompt == "Polished: \(turn.instruction), rendered with care")
            #expect(turn.promptRewritten)
            #expect(turn.executedSeed == turn.seed)
        }
        #expect(Self.int(try await server.stats()["edit"]?["enhanced"]) == turns.count)
        let context = StageContext(config: config, store: store) { _ in }
        try await StageRunner.run(FilterStage(), context)
        var s = try store.snapshot()
        #expect(s.dropped == [.editorRewrotePrompt: 12])
        #expect(s.kept == 0)
        #expect(s.rewrittenPromptTurns == turns.count && s.rewrittenPromptTrajectories == 12)
        let status = try StatusReport(store: store)
        #expect(status.table.contains("\(turns.count) executed a prompt the editor rewrote (in 12 trajectories)"))
        #expect(status.json.contains("\"rewritten_prompt_turns\":\(turns.count)"))

        // keep_rewritten_prompts: the same trajectories are judged by their scores instead.
        var keeping = config
        keeping.curation.keepRewrittenPrompts = true
        try await StageRunner.run(FilterStage(), StageContext(config: keeping, store: store) { _ in })
        s = try store.snapshot()
        #expect(s.dropped[.editorRewrotePrompt] == nil)
        #expect(s.kept > 0)
        let filter = try #require(try store.latestStageRuns()[.filter]?.stats)
        #expect(filter.contains("\"kept_rewritten\":\(s.kept)"))

        // The export says so in the dataset card, and a sample's previous instruction is the prompt
        // the editor executed (what made the image it critiques).
        try await StageRunner.run(ExportStage(), StageContext(config: keeping, store: store) { _ in })
        var samples = 0
        for split in DatasetSplit.allCases {
            let folder = (keeping.export.dir as NSString).appendingPathComponent(split.rawValue)
            let card = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
            let rows = try String(contentsOfFile: folder + "/manifest.jsonl", encoding: .utf8).split(separator: "\n")
            samples += rows.count
            #expect(card.contains("prompts the editor rewrote: \(turns.count) edited turns in 12 trajectories of the run; kept"))
            #expect(card.contains("samples here critiquing such an edit: \(rows.count)"))
            for row in rows {
                let previous = try #require(try JSONParser.parse(String(row))["previous_instruction"])
                guard case .string(let text) = previous else { Issue.record("no previous_instruction"); continue }
                #expect(text.hasPrefix("Polished: "))
            }
        }
        #expect(samples > 0)
    }

    @Test func injectedChatFaultsArriveAtTheirRatesAndEachAsItsErrorClass() async throws {
        let server = try Server(["--delay-ms", "0", "--fault-429", "0.2", "--fault-5xx", "0.1", "--fault-malformed", "0.15",
                                 "--fault-timeout", "0.05", "--hold-ms", "3600000", "--fault-seed", "9"])
        defer { _ = server.stop() }
        let clock = ManualClock()
        let prompts = try JudgePrompts.load(folder: nil)
        let reliability = Reliability(backend: "judge", retry: RetryPolicy(maxRetries: 0), timeout: 3, clock: AnyClock(clock))
        let judge = OpenAIJudge(name: "judge", client: OpenAIChatClient(
            backend: "judge", baseURL: server.url, model: "fake", key: nil, temperature: 0, maxTokens: 64, jsonMode: true,
            reliability: reliability), prompts: prompts)
        let running = RunningJobs()
        let item = ItemContext(trajectoryID: "t", task: "color_alter", instruction: "make it red", source: ImagePayload(bytes: pngOf(1)))
        let total = 400
        let classes = try await Self.releasingHeldRequests(server, clock: clock, reliability: reliability, running: running, deadline: .seconds(3)) {
            await Self.tally(total, width: 20, running: running) { i in
            do {
                _ = try await judge.judge(JudgeRequest(item: item, turn: 1, edited: ImagePayload(bytes: pngOf(i)),
                                                       aspect: i % 2 == 0 ? .semantic : .quality))
                return "ok"
            } catch let e as BackendError {
                return e.kind.rawValue
            } catch {
                return "other: \(error)"
            }
        } }
        let injected = try await server.stats()["injected"]
        // Every injected fault reached the client as its class; nothing else failed.
        #expect(classes["rate_limit", default: 0] == Self.int(injected?["429"]))
        #expect(classes["server", default: 0] == Self.int(injected?["5xx"]))
        #expect(classes["parse", default: 0] == Self.int(injected?["malformed"]))
        #expect(classes["timeout", default: 0] == Self.int(injected?["timeout"]))
        #expect(classes.keys.allSatisfy { ["ok", "rate_limit", "server", "parse", "timeout"].contains($0) }, "\(classes)")
        // The rates are those asked for, within four standard deviations.
        for (cls, p) in [("rate_limit", 0.2), ("server", 0.1), ("parse", 0.15), ("timeout", 0.05)] {
            let expected = Double(total) * p
            let sigma = (expected * (1 - p)).squareRoot()
            #expect(abs(Double(classes[cls, default: 0]) - expected) <= 4 * sigma, "\(cls): \(classes[cls, default: 0]) of \(total)")
        }
    }

    @Test func injectedEditFaultsAreRejectedByTheEditorDriverOrTheImageCheck() async throws {
        let server = try Server(["--delay-ms", "0", "--fault-429", "0.1", "--fault-5xx", "0.1", "--fault-malformed", "0.2",
                                 "--fault-timeout", "0.05", "--hold-ms", "3600000", "--fault-seed", "3"])
        defer { _ = server.stop() }
        let clock = ManualClock()
        // A failure threshold no run reaches: this test counts answers, not endpoint health.
        let reliability = Reliability(backend: "editor", retry: RetryPolicy(maxRetries: 0), timeout: 3, clock: AnyClock(clock))
        let editor = EditThinkerHTTPEditor(name: "editor", endpoints: [server.url], reliability: reliability,
                                           failureThreshold: 1_000_000)
        let running = RunningJobs()
        let item = ItemContext(trajectoryID: "t", task: "color_alter", instruction: "make it red", source: ImagePayload(bytes: pngOf(2)))
        let total = 400
        let classes = try await Self.releasingHeldRequests(server, clock: clock, reliability: reliability, running: running, deadline: .seconds(3)) {
            await Self.tally(total, width: 20, running: running) { i in
            do {
                let r = try await editor.edit(EditRequest(item: item, turn: 1, instruction: "make it red \(i)", seed: UInt64(i)))
                // The pipeline validates the image after the driver: a decodable PNG or a parse failure.
                return (try? ImageCodec.validate(r.image, name: "edit", limits: ImageLimits())) == nil ? "parse" : "ok"
            } catch let e as BackendError {
                return e.kind.rawValue
            } catch {
                return "other: \(error)"
            }
        } }
        let injected = try await server.stats()["injected"]
        #expect(classes["rate_limit", default: 0] == Self.int(injected?["429"]))
        #expect(classes["server", default: 0] == Self.int(injected?["5xx"]))
        #expect(classes["parse", default: 0] == Self.int(injected?["malformed"]))
        #expect(classes["timeout", default: 0] == Self.int(injected?["timeout"]))
        #expect(classes["ok", default: 0] + Self.int(injected?["429"]) + Self.int(injected?["5xx"]) + Self.int(injected?["malformed"])
                + Self.int(injected?["timeout"]) == total, "\(classes)")
    }

    @Test func theServerCountsTheBodiesItReceivedAndAnswered() async throws {
        let server = try Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let image = Base64.encode(pngOf(7))
        var sent = 0, answered = 0
        for prompt in ["make the square red", "remove the circle and everything around it"] {
            let body = Array("{\"image\": \"\(image)\", \"prompt\": \"\(prompt)\", \"seed\": 3, \"enhance_prompt\": false}".utf8)
            let reply = try await HTTPTransport.shared.send(HTTPCall(method: "POST", url: "\(server.url)/edit", headers: [("content-type", "application/json")],
                                                                     body: body, timeout: 10))
            #expect(reply.status == 200)
            sent += body.count
            answered += reply.body.count
        }
        let stats = try await server.stats()
        #expect(Self.int(stats["edit"]?["requests"]) == 2)
        #expect(Self.int(stats["edit"]?["request_bytes"]) == sent)
        #expect(Self.int(stats["edit"]?["answer_bytes"]) == answered)
        #expect(answered > 200)
    }

    @Test func stoppingTheServerPrintsItsCounters() async throws {
        let server = try Server(["--delay-ms", "0"])
        _ = try await HTTPTransport.shared.send(HTTPCall(method: "GET", url: "\(server.url)/health", timeout: 10))
        let last = server.stop()
        let line = try #require(last.split(separator: "\n").first { $0.hasPrefix("stats ") })
        let stats = try JSONParser.parse(String(line.dropFirst("stats ".count)))
        #expect(stats["injected"] != nil)
    }
}

/// A small PNG whose colour depends on `i`.
func pngOf(_ i: Int) -> [UInt8] {
    try! ImageCodec.encodePNG(RGBImage(width: 8, height: 8, fill: (UInt8(i % 256), UInt8((i / 256) % 256), 90)))
}
