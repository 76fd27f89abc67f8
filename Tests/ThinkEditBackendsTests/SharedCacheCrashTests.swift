import Foundation
import GRDB
import Testing
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore
import ThinkEditTestSupport

/// Four shards of one run share one response cache and are killed with SIGKILL at random moments,
/// again and again, then finished: the merged run equals a one-process run, no cache entry is
/// torn, and no request was paid twice beyond the calls in flight at a kill.
@Suite struct SharedCacheCrashTests {
    static var thinkedit: String { FakeModelServerTests.root.appendingPathComponent(".build/debug/thinkedit").path }

    /// Runs `body` on a thread of its own: it blocks (waitpid, short sleeps between polls) and
    /// must not hold one of the cooperative pool's two threads.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            Thread { done.resume(with: Result { try body() }) }.start()
        }
    }

    static func config(_ dir: String, server: String, cache: String) -> String {
        let yaml = """
            workdir: run
            seed: 3
            cache: \(cache)
            pool: {synth: {count: 32, seed: 5, image_size: 32}}
            generation: {max_turns: 3}
            backends:
              thinker: {kind: openai, name: expert, base_url: "\(server)", model: fake, concurrency: 3, max_retries: 0, timeout_seconds: 30}
              scorer: {kind: openai, name: judge, base_url: "\(server)", model: fake, concurrency: 3, max_retries: 0, timeout_seconds: 30}
              editor: {kind: editthinker-http, name: fake-editor, endpoints: ["\(server)"], concurrency: 3, max_retries: 0, timeout_seconds: 30}

            """
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? yaml.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        return dir + "/c.yaml"
    }

    /// Calls the shards have journaled so far: their progress, visible call by call (the cache's
    /// entries are written 64 to a commit, so a shard's may appear only when it ends).
    static func calls(_ shards: [String]) throws -> Int {
        var c = Configuration()
        c.readonly = true
        c.busyMode = .timeout(30)
        var total = 0
        for shard in shards {
            let path = shard + "/thinkedit.sqlite"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let db = try DatabaseQueue(path: path, configuration: c)
            total += try db.read { db in try db.tableExists("call") ? Int.fetchOne(db, sql: "SELECT count(*) FROM call") ?? 0 : 0 }
        }
        return total
    }

    /// Entries in the cache, every one checked: its answer parses and its image is whole.
    static func entries(_ cache: String) throws -> (count: Int, torn: Int) {
        let path = cache + "/responses.sqlite"
        guard FileManager.default.fileExists(atPath: path) else { return (0, 0) }
        var c = Configuration()
        c.readonly = true
        c.busyMode = .timeout(30)
        let db = try DatabasePool(path: path, configuration: c)
        let images = ImageStore(workdir: cache)
        return try db.read { db in
            // A cache the first process is still creating has no table yet.
            guard try db.tableExists("response") else { return (0, 0) }
            var count = 0, torn = 0
            for r in try Row.fetchAll(db, sql: "SELECT answer, image, image_format, image_bytes FROM response") {
                count += 1
                if (try? JSONParser.parse(r["answer"] as String)) == nil { torn += 1 }
                if let hash: String = r["image"], let format = ImageFormat(rawValue: r["image_format"]) {
                    let bytes = (try? images.read(hash: hash, format: format)) ?? []
                    if bytes.count != (r["image_bytes"] as Int) || ContentHash.sha256Hex(bytes) != hash { torn += 1 }
                }
            }
            return (count, torn)
        }
    }

    @Test func fourShardsSharingACacheSurviveSIGKILLAndPayNothingTwice() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.thinkedit), "build the thinkedit binary first (swift build)")
        let server = try FakeModelServerTests.Server(["--delay-ms", "2", "--count-repeats"])
        defer { _ = server.stop() }
        let root = makeFolder()
        let cache = root + "/cache"
        let config = Self.config(root + "/sharded", server: server.url, cache: cache)
        let shards = (0..<4).map { root + "/shards/\($0)" }
        let start = try await ResponseCacheTests.answered(server)

        let (kills, killed) = try await Self.onOwnThread { () throws -> (Int, Int) in
            var rng = SplitMix64(seed: 41)
            // Per shard: 0 generate, 1 score, 2 done.
            var phase = [Int](repeating: 0, count: 4)
            var kills = 0, killed = 0
            for round in 0..<60 where phase.contains(where: { $0 < 2 }) {
                let before = try Self.calls(shards)
                let target = before + 4 + Int(rng.next() % 30)
                var children: [(Int, SpawnedProcess)] = []
                for i in 0..<4 where phase[i] < 2 {
                    let command = phase[i] == 0 ? "generate" : "score"
                    children.append((i, try SpawnedProcess(Self.thinkedit, [command, config, "--shard", "\(i)/4", "--workdir", shards[i]])))
                }
                let deadline = Date().addingTimeInterval(120)
                // Progress-based, so that a loaded machine still kills mid-work; the last rounds run to the end.
                while children.contains(where: { $0.1.isRunning }) && Date() < deadline {
                    if round < 8, try Self.calls(shards) >= target { break }
                    usleep(3_000)
                }
                var any = false
                for (i, child) in children {
                    if child.isRunning {
                        child.kill()
                        killed += 1
                        any = true
                    }
                    child.wait()
                    if child.succeeded { phase[i] += 1 }
                }
                if any { kills += 1 }
            }
            #expect(phase == [2, 2, 2, 2], "every shard finished")
            return (kills, killed)
        }
        #expect(kills >= 3, "killed in \(kills) rounds only")
        let afterShards = try await ResponseCacheTests.answered(server)
        let sent = ResponseCacheTests.total(afterShards) - ResponseCacheTests.total(start)
        let (count, torn) = try Self.entries(cache)
        #expect(torn == 0)
        #expect(count > 0 && count <= sent)
        // Only calls in flight when a process was killed (at most 9 trajectories per process, one
        // call each) may have been sent again: the server saw no other request body twice.
        let stats = try await server.stats()
        let repeated = ["expert", "judge", "edit"].reduce(0) { $0 + FakeModelServerTests.int(stats[$1]?["repeated"]) }
        #expect(repeated <= killed * 9, "\(repeated) requests sent twice, \(killed) processes killed, \(sent) sent, \(count) entries")

        // Run again: every shard is up to date and sends nothing.
        for i in 0..<4 {
            for command in ["generate", "score"] {
                #expect(try ChildProcess.run(Self.thinkedit, [command, config, "--shard", "\(i)/4", "--workdir", shards[i]]) == 0)
            }
        }
        #expect(try await ResponseCacheTests.answered(server) == afterShards)

        // The merged shards equal one process's run (with a cache of its own).
        let merged = try RunConfig.load(path: config)
        let target = try RunStore.openForWriting(workdir: merged.workdir)
        try ShardMerge(target: target) { _ in }.merge(shards)
        let single = Self.config(root + "/single", server: server.url, cache: root + "/cache-single")
        #expect(try ChildProcess.run(Self.thinkedit, ["run", single]) == 0)
        let one = try RunStore.openForReading(workdir: try RunConfig.load(path: single).workdir)
        #expect(try Self.export(target, root + "/a") == Self.export(one, root + "/b"))
        #expect(try target.snapshot().trajectories == [.complete: 32])
    }

    static func export(_ store: RunStore, _ folder: String) throws -> String {
        _ = try TrajectoryExporter(store: store).export(to: folder + "/t.jsonl")
        return try String(contentsOfFile: folder + "/t.jsonl", encoding: .utf8)
    }

    func makeFolder() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-sharedcache-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
