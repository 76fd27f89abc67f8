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

    @Test func killedRunsResumeToTheSameResultWithoutRepeatingACompletedCall() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the thinkedit binary first (swift build)")
        let reference = Self.config(makeTempDir("ref"))
        let r = try Self.launch(["run", reference])
        r.waitUntilExit()
        #expect(r.terminationStatus == 0)

        let crashed = Self.config(makeTempDir("crash"))
        var rng = SplitMix64(seed: 77)
        var kills = 0
        for _ in 0..<8 {
            let p = try Self.launch(["run", crashed])
            try await Task.sleep(nanoseconds: 100_000_000 + rng.next() % 500_000_000)
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            }
            p.waitUntilExit()
        }
        let finish = try Self.launch(["run", crashed])
        finish.waitUntilExit()
        #expect(finish.terminationStatus == 0)
        #expect(kills >= 2, "the run must have been killed at least twice to prove anything")

        #expect(try Self.export(crashed) == Self.export(reference))
        let store = try RunStore.openForReading(workdir: try RunConfig.load(path: crashed).workdir)
        #expect(try store.integrityCheck() == "ok")
        #expect(try store.repeatedCompletedCalls() == 0)
        let snapshot = try store.snapshot()
        #expect(snapshot.trajectories == ["complete": 150])
        #expect(snapshot.scoredTurns == snapshot.turns)
    }
}
