import Foundation
import Testing
import ThinkEditCore
@testable import ThinkEditPipeline
import ThinkEditStore

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
            pool: {synth: {count: 150, seed: 9, image_size: 64}}
            generation: {max_turns: 5}
            backends:
              thinker: {kind: synthetic, concurrency: 6}
              scorer: {kind: synthetic, concurrency: 6}
              editor: {kind: synthetic, concurrency: 6}
            """, to: dir + "/c.yaml")
        return dir + "/c.yaml"
    }

    static func launch(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

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

    @Test func killedRunsResumeToTheSameResultWithoutRepeatingACompletedCall() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the thinkedit binary first (swift build)")
        let reference = Self.config(makeTempDir("ref"))
        let r = try Self.launch(["run", reference])
        r.waitUntilExit()
        #expect(r.terminationStatus == 0)

        // Kill the run after a random number of newly committed calls, again and again, until a
        // run is allowed to finish; progress-based so that a slow or loaded machine still kills
        // mid-work.
        let crashed = Self.config(makeTempDir("crash"))
        let workdir = try RunConfig.load(path: crashed).workdir
        var rng = SplitMix64(seed: 77)
        var kills = 0
        var finished = false
        for attempt in 0..<40 where !finished {
            let before = Self.calls(workdir)
            let target = before + 5 + Int(rng.next() % 60)
            let p = try Self.launch(["run", crashed])
            let deadline = Date().addingTimeInterval(60)
            while p.isRunning && Self.calls(workdir) < target && Date() < deadline {
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            if p.isRunning && attempt < 39 {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            }
            p.waitUntilExit()
            finished = p.terminationReason == .exit && p.terminationStatus == 0
        }
        #expect(finished)
        #expect(kills >= 3, "the run must have been killed several times to prove anything (killed \(kills))")

        #expect(try Self.export(crashed) == Self.export(reference))
        let store = try RunStore.openForReading(workdir: try RunConfig.load(path: crashed).workdir)
        #expect(try store.integrityCheck() == "ok")
        #expect(try store.repeatedCompletedCalls() == 0)
        let snapshot = try store.snapshot()
        #expect(snapshot.trajectories == ["complete": 150])
        #expect(snapshot.scoredTurns == snapshot.turns)
    }
}
