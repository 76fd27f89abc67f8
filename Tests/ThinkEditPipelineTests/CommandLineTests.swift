import Foundation
import Testing
@testable import ThinkEditCore

/// Options with a fixed set of values, as a user types them at the real binary.
@Suite struct CommandLineTests {
    /// Runs the thinkedit binary to its end; (exit status, standard error).
    static func thinkedit(_ args: [String]) async throws -> (Int32, String) {
        try await CrashResumeTests.onOwnThread {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CrashResumeTests.binary)
            p.arguments = args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }
    }

    @Test func aMistypedErrorClassIsRefusedNamingTheValidOnes() async throws {
        let config = CrashResumeTests.config(makeTempDir("retry-class"))
        let (status, stderr) = try await Self.thinkedit(["retry-failed", config, "--class", "timout"])
        #expect(status != 0)
        #expect(stderr.contains("timout"))
        for valid in CallErrorClass.allCases { #expect(stderr.contains(valid.rawValue), "not named: \(valid)") }
        // Nothing was opened or created for a command refused at parsing.
        #expect(!FileManager.default.fileExists(atPath: (config as NSString).deletingLastPathComponent + "/work"))
    }

    @Test func aShardOutsideItsCountIsRefused() async throws {
        let config = CrashResumeTests.config(makeTempDir("shard-arg"))
        let (status, stderr) = try await Self.thinkedit(["generate", config, "--shard", "4/4"])
        #expect(status != 0)
        #expect(stderr.contains("4/4"))
        #expect(stderr.contains("0 <= i < n"))
    }
}
