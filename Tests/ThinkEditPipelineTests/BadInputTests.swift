import Foundation
import Testing
@testable import ThinkEditPipeline

/// Bad inputs found by scripts/bad-inputs.sh that the other suites did not cover.
@Suite struct BadInputTests {
    @Test func aConfigThatIsNotUTF8TextSaysSoAndNamesTheFile() throws {
        let dir = makeTempDir("cfg")
        let file = dir + "/binary.yaml"
        #expect(FileManager.default.createFile(atPath: file, contents: Data([0x77, 0x6f, 0xff, 0xfe, 0x00, 0x80, 0x0a])))
        do {
            _ = try RunConfig.load(path: file)
            Issue.record("a binary config was accepted")
        } catch let error as ConfigError {
            #expect(error.kind == .unreadable)
            #expect(error.file == file)
            #expect("\(error)".contains("not UTF-8 text"))
        }
    }

    @Test func aMissingConfigIsStillReportedAsMissing() throws {
        let file = makeTempDir("cfg") + "/absent.yaml"
        do {
            _ = try RunConfig.load(path: file)
            Issue.record("a missing config was accepted")
        } catch let error as ConfigError {
            #expect("\(error)".contains("no such file"))
        }
    }
}
