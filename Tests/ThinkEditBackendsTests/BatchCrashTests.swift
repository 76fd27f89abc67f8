import Foundation
import GRDB
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore
import ThinkEditTestSupport

/// Batch score killed with SIGKILL at each step of a batch's life (writing, journaling, uploading,
/// creating, polling, downloading, committing), then run again: every turn answered once, every
/// request file uploaded once and every batch created once (counted at the service), and the
/// trajectories byte-identical to an online run given the same answers. Runs the built binaries
/// (`thinkedit`, `thinkedit-fake-server`); the kill comes from the process itself at a named
/// crash point (`THINKEDIT_CRASH_AT`), so each one lands exactly where it is meant to.
@Suite(.serialized, .timeLimit(.minutes(5))) struct BatchCrashTests {
    static let root = FakeModelServerTests.root
    static var thinkedit: String { root.appendingPathComponent(".build/debug/thinkedit").path }

    /// Runs thinkedit with `arguments` and the extra environment; returns its exit status, or
    /// nil when a signal ended it.
    static func thinkedit(_ arguments: [String], environment: [String: String] = [:]) throws -> Int32? {
        try ChildProcess.run(thinkedit, arguments, environment: environment)
    }

    /// A run whose `role` (`thinker` or `scorer`) is an `openai` backend at `server`, in batch
    /// mode when `batch`; the other roles are synthetic.
    static func config(_ dir: String, server: String, batch: Bool, role: String = "scorer") throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let mode = batch ? ", mode: batch, batch: {poll_seconds: 0, max_requests: 20}" : ""
        let model = """
            {kind: openai, name: model, base_url: "\(server)/v1", model: model-1, api_key_env: THINKEDIT_CRASH_TEST_KEY, \
            max_retries: 2, timeout_seconds: 20, price: {prompt_per_million: 2.0, completion_per_million: 8.0}\(mode)}
            """
        let yaml = """
            workdir: run
            cache: off  # online and batch compared call for call; batch mode does not use the response cache
            seed: 8
            pool: {synth: {count: 12, seed: 6, image_size: 32}}
            generation: {max_turns: 3}
            backends:
              thinker: \(role == "thinker" ? model : "{kind: synthetic}")
              editor: {kind: synthetic}
              scorer: \(role == "scorer" ? model : "{kind: synthetic}")
            """
        let file = (dir as NSString).appendingPathComponent("config.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    static func export(_ config: String) throws -> String {
        let c = try RunConfig.load(path: config)
        let store = try RunStore.openForReading(workdir: c.workdir)
        let out = (config as NSString).deletingLastPathComponent + "/trajectories.jsonl"
        _ = try TrajectoryExporter(store: store).export(to: out)
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    static func count(_ store: RunStore, _ sql: String) throws -> Int { try store.read { db in try Int.fetchOne(db, sql: sql) ?? 0 } }

    /// GET `path` on the server, as JSON.
    static func get(_ server: String, _ path: String) async throws -> JSONValue {
        let reply = try await HTTPTransport.shared.send(HTTPCall(method: "GET", url: server + path, headers: [("authorization", "Bearer sk-x")], timeout: 20))
        return try JSONParser.parse(reply.body)
    }

    static let points = [
        "batch.write#7", "batch.journal.before#2", "batch.upload.before#1", "batch.upload.during#1", "http.upload.streaming#1",
        "batch.upload.after#2",
        "batch.create.before#1", "batch.create.after#2", "batch.poll#3", "http.download.streaming#1", "batch.settle#5",
        "batch.commit#2", "batch.done.before#1",
    ]

    /// Batch score, then batch generate (the expert in rounds), each killed at every point.
    @Test(arguments: ["score", "generate"])
    func killedAtEveryStepABatchStageResumesWithoutPayingTwice(stage: String) async throws {
        setenv("THINKEDIT_CRASH_TEST_KEY", "sk-crash-test-key-0001", 1)
        let server = try FakeModelServerTests.Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-batchcrash-\(UUID().uuidString)").path
        let role = stage == "score" ? "scorer" : "thinker"
        let kinds = stage == "score" ? "kind LIKE 'judge_%'" : "kind = 'think'"

        let online = try Self.config(base + "/online", server: server.url, batch: false, role: role)
        #expect(try Self.thinkedit(["generate", online]) == 0)
        #expect(try Self.thinkedit(["score", online]) == 0)
        let expected = try Self.export(online)
        #expect(expected.contains("\"judge\":{\"success\""))
        let onlineCalls = try Self.count(try RunStore.openForReading(workdir: try RunConfig.load(path: online).workdir),
                                         "SELECT count(*) FROM call WHERE outcome = 'ok' AND \(kinds)")
        #expect(onlineCalls > 10)

        for point in Self.points {
            let dir = base + "/" + point.replacingOccurrences(of: "#", with: "-")
            let config = try Self.config(dir, server: server.url, batch: true, role: role)
            if stage == "score" { #expect(try Self.thinkedit(["generate", config]) == 0) }
            let killed = try Self.thinkedit([stage, config], environment: ["THINKEDIT_CRASH_AT": point])
            #expect(killed == nil, "\(point): the crash point was not reached")
            #expect(try Self.thinkedit([stage, config]) == 0, "\(point): the second run failed")
            if stage == "generate" { #expect(try Self.thinkedit(["score", config]) == 0) }
            #expect(try Self.export(config) == expected, "\(point): the trajectories differ from the online run's")

            let store = try RunStore.openForReading(workdir: try RunConfig.load(path: config).workdir)
            #expect(try Self.count(store, "SELECT count(*) FROM call WHERE outcome = 'ok' AND \(kinds)") == onlineCalls, "\(point)")
            #expect(try Self.count(store, "SELECT count(*) FROM batch_request WHERE state = 'answered'") == onlineCalls, "\(point)")
            let journaled = try Self.count(store, "SELECT count(*) FROM batch")
            let token = try store.read { db in try String.fetchOne(db, sql: "SELECT value FROM run_meta WHERE key = 'run_token'") } ?? "?"
            guard case .array(let files)? = try await Self.get(server.url, "/v1/files?purpose=batch")["data"],
                  case .array(let batches)? = try await Self.get(server.url, "/v1/batches")["data"] else {
                Issue.record("\(point): the service did not list its files and batches")
                continue
            }
            let uploads = files.filter { if case .string(let name)? = $0["filename"] { name.hasPrefix("thinkedit-\(token)-") } else { false } }.count
            let created = batches.filter { $0["metadata"]?["thinkedit_run"] == .string(token) }.count
            #expect(uploads == journaled, "\(point): \(uploads) uploads for \(journaled) batch files")
            #expect(created == journaled, "\(point): \(created) batches created for \(journaled) batch files")
        }
    }

    /// Runs thinkedit and returns what it printed.
    static func output(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: thinkedit)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func cancelledBatchesAreListedAndTheirRequestsSentAgain() async throws {
        setenv("THINKEDIT_CRASH_TEST_KEY", "sk-crash-test-key-0001", 1)
        let server = try FakeModelServerTests.Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-batchcancel-\(UUID().uuidString)").path
        let online = try Self.config(base + "/online", server: server.url, batch: false)
        #expect(try Self.thinkedit(["generate", online]) == 0)
        #expect(try Self.thinkedit(["score", online]) == 0)

        let config = try Self.config(base + "/batch", server: server.url, batch: true)
        #expect(try Self.thinkedit(["generate", config]) == 0)
        // Stopped while its first batches are in flight, then cancelled from another command.
        #expect(try Self.thinkedit(["score", config], environment: ["THINKEDIT_CRASH_AT": "batch.poll#2"]) == nil)
        let cancelled = try Self.output(["batches", config, "--cancel"])
        #expect(cancelled.contains("cancelling"), "\(cancelled)")
        #expect(try Self.thinkedit(["score", config]) == 0)
        #expect(try Self.export(config) == (try Self.export(online)))
        let store = try RunStore.openForReading(workdir: try RunConfig.load(path: config).workdir)
        #expect(try Self.count(store, "SELECT count(*) FROM call WHERE error_class = 'cancelled'") > 0)
        let listing = try Self.output(["batches", config])
        #expect(listing.contains(" cancelled "), "\(listing)")
        #expect(!listing.contains("sk-crash-test-key"))
    }
}
