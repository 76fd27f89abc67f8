import Foundation
import GRDB
import Testing
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore
import ThinkEditTestSupport

/// Kills `thinkedit run` with SIGKILL at random moments, resumes it, and compares the result with
/// an uninterrupted run. Runs the real binary, so it needs `swift build` to have built it (as
/// `swift test` does).
@Suite struct CrashResumeTests {
    static var binary: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/thinkedit").path
    }

    static func config(_ dir: String) -> String {
        write("""
            workdir: work
            seed: 21
            pool: {synth: {count: 40, seed: 9, image_size: 64}}
            generation: {max_turns: 5}
            backends:
              thinker: {kind: synthetic, concurrency: 6}
              scorer: {kind: synthetic, concurrency: 6}
              editor: {kind: synthetic, concurrency: 6}
            """, to: dir + "/c.yaml")
        return dir + "/c.yaml"
    }

    /// A child process of the thinkedit binary (`SpawnedProcess`).
    static func spawn(_ arguments: [String]) throws -> SpawnedProcess { try SpawnedProcess(binary, arguments) }

    static func export(_ config: String) throws -> Data {
        let c = try RunConfig.load(path: config)
        let store = try RunStore.openForReading(workdir: c.workdir)
        let out = (c.workdir as NSString).deletingLastPathComponent + "/dump/t.jsonl"
        try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = try TrajectoryExporter(store: store).export(to: out)
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    /// Calls committed so far (0 before the database exists).
    static func calls(_ workdir: String) -> Int {
        guard let store = try? RunStore.openForReading(workdir: workdir), let s = try? store.snapshot() else { return 0 }
        return s.calls
    }

    /// Runs `body` on a thread of its own. The child processes are watched with blocking calls
    /// (`waitpid`, short sleeps between polls of the database), which must not hold one of the
    /// cooperative pool's threads: on a 2-core machine that pool has two, and every other test of
    /// the suite would wait behind these.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            Thread { done.resume(with: Result { try body() }) }.start()
        }
    }

    @Test func killedRunsResumeToTheSameResultWithoutRepeatingACompletedCall() async throws {
        try await Self.onOwnThread { try Self.killAndResume() }
    }

    static func killAndResume() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the thinkedit binary first (swift build)")
        let reference = config(makeTempDir("ref"))
        let r = try spawn(["run", reference])
        r.wait()
        #expect(r.succeeded)

        // Kill the run after a random number of newly committed calls, again and again, until a
        // run is allowed to finish; progress-based so that a slow or loaded machine still kills
        // mid-work.
        let crashed = Self.config(makeTempDir("crash"))
        let workdir = try RunConfig.load(path: crashed).workdir
        var rng = SplitMix64(seed: 77)
        var kills = 0
        var finished = false
        var trace: [String] = []
        for attempt in 0..<40 where !finished {
            let before = Self.calls(workdir)
            let target = before + 5 + Int(rng.next() % 60)
            let p = try spawn(["run", crashed])
            let deadline = Date().addingTimeInterval(60)
            while p.isRunning && Self.calls(workdir) < target && Date() < deadline {
                // Blocking on purpose: an `await` here could wait for a cooperative thread while
                // other tests keep them busy, and the child would finish unobserved.
                usleep(5_000)
            }
            if p.isRunning && attempt < 39 {
                kill(p.pid, SIGKILL)
                kills += 1
            }
            p.wait()
            finished = p.succeeded
            trace.append("calls \(before)->\(Self.calls(workdir)) \(p.signalled ? "killed" : "exit \(p.exitStatus ?? -1)")")
        }
        #expect(finished)
        #expect(kills >= 3, "the run must have been killed several times to prove anything (killed \(kills)): \(trace)")

        #expect(try Self.export(crashed) == Self.export(reference))
        let store = try RunStore.openForReading(workdir: try RunConfig.load(path: crashed).workdir)
        #expect(try store.integrityCheck() == "ok")
        #expect(try store.repeatedCompletedCalls() == 0)
        let snapshot = try store.snapshot()
        #expect(snapshot.trajectories == [.complete: 40])
        #expect(snapshot.scoredTurns == snapshot.turns)
    }

    @Test func ctrlCDuringGenerateIsRecordedAndShownAsInterrupted() async throws {
        try await Self.onOwnThread { try Self.interruptGenerate() }
    }

    static func interruptGenerate() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the thinkedit binary first (swift build)")
        let config = Self.config(makeTempDir("sigint"))
        let workdir = try RunConfig.load(path: config).workdir
        // Interrupt once the stage has committed some calls and has work left (progress, not time).
        var interrupted = false
        for _ in 0..<5 where !interrupted {
            let p = try spawn(["generate", config])
            let deadline = Date().addingTimeInterval(60)
            while p.isRunning && Self.calls(workdir) < 20 && Date() < deadline { usleep(5_000) }
            if p.isRunning {
                kill(p.pid, SIGINT)
                interrupted = true
            }
            p.wait()
            if interrupted { #expect(p.exitStatus == 130, "an interrupted stage exits with 130") }
        }
        try #require(interrupted, "generate finished before it could be interrupted")
        let store = try RunStore.openForReading(workdir: workdir)
        let generate = try #require(try store.latestStageRuns()[.generate])
        #expect(generate.status == .interrupted)
        let table = try StatusReport(store: store).table
        let line = try #require(table.split(separator: "\n").first { $0.hasPrefix("generate") })
        #expect(line.contains("interrupted"), "status shows: \(line)")
    }

    /// Runs thinkedit with `arguments` and `extra` added to the environment (only the child's);
    /// returns its exit status, or nil when a signal ended it.
    static func run(_ arguments: [String], extra: [String: String] = [:]) throws -> Int32? {
        try ChildProcess.run(binary, arguments, environment: extra)
    }

    /// Generate killed while it stores large edited images: after a kill with an image written
    /// but not yet renamed into place, and after one with the image in place but its turn not yet
    /// committed, the rerun gives the same trajectories, and every stored image is whole (its
    /// file's SHA-256 is its name).
    @Test func killedWhileStoringLargeImagesGenerateResumesToTheSameImages() async throws {
        try await Self.onOwnThread {
            let yaml = """
                workdir: work
                seed: 3
                pool: {synth: {count: 6, seed: 4, image_size: 768}}
                generation: {max_turns: 3}
                backends:
                  thinker: {kind: synthetic}
                  scorer: {kind: synthetic}
                  editor: {kind: synthetic}
                """
            let reference = makeTempDir("large-ref") + "/c.yaml"
            write(yaml, to: reference)
            #expect(try Self.run(["generate", reference]) == 0)
            let expected = try Self.export(reference)
            for point in ["file.written#9", "image.stored#4", "file.written#14"] {
                let config = makeTempDir("large-crash") + "/c.yaml"
                write(yaml, to: config)
                #expect(try Self.run(["generate", config], extra: ["THINKEDIT_CRASH_AT": point]) == nil, "\(point): not reached")
                #expect(try Self.run(["generate", config]) == 0, "\(point): the rerun failed")
                #expect(try Self.export(config) == expected, "\(point)")
                let store = try RunStore.openForReading(workdir: try RunConfig.load(path: config).workdir)
                #expect(try store.integrityCheck() == "ok")
                let images = try store.read { db in try Row.fetchAll(db, sql: "SELECT hash, format FROM image") }
                #expect(images.count > 6)
                for row in images {
                    let bytes = try store.images.read(hash: row["hash"], format: try row.word("format", as: ImageFormat.self))
                    #expect(ContentHash.sha256Hex(bytes) == (row["hash"] as String), "\(point): a stored image is not whole")
                }
            }
        }
    }
}
