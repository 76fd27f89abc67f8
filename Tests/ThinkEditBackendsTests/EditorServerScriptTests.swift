import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline
import ThinkEditTestSupport

/// `scripts/editor_server.py --fake` speaks the protocol the editthinker-http driver expects, and
/// the shipped configs load.
@Suite struct EditorServerScriptTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theFakeEditorServerAnswersTheDriverAndItsFailuresAreRetried() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.repo.appendingPathComponent("scripts/editor_server.py").path, "--fake", "--port", "0", "--fail-every", "2"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        // SIGKILL, not terminate(): the child inherits the test thread's signal mask, in which
        // SIGTERM is blocked, so a SIGTERM would stay pending and leave the server running.
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Read the port on a thread of its own: a blocking read on the cooperative pool would
        // stall every other test's tasks while Python starts.
        let handle = pipe.fileHandleForReading
        let text = await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
            Thread {
                var text = ""
                while !text.contains("\n") {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    text += String(decoding: data, as: UTF8.self)
                }
                done.resume(returning: text)
            }.start()
        }
        let port = try #require(text.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        // The deadline and the backoff are on a clock nobody moves: however slowly Python answers
        // on a loaded machine, no attempt times out, and the retry does not wait.
        let editor = EditThinkerHTTPEditor(name: "py-fake", endpoints: ["http://127.0.0.1:\(port)"], extra: [("num_inference_steps", .integer(4))],
                                           reliability: Reliability(backend: "py-fake", retry: RetryPolicy(maxRetries: 2, baseDelay: 0),
                                                                                    timeout: 10, clock: .still))
        let log = AttemptLog()
        let item = ItemContext(trajectoryID: "t", task: "color_alter", instruction: "red", source: ImagePayload(bytes: testPNG))
        let images = try await AttemptJournal.$observer.withValue(log) {
            var out: [[UInt8]] = []
            for turn in 1...2 { out.append(try await editor.edit(EditRequest(item: item, turn: turn, instruction: "red", seed: 5)).image) }
            return out
        }
        #expect(images == [testPNG, testPNG])
        // The server fails every second edit with success: false; the layer retried it once.
        #expect(log.classes == ["ok", "server", "ok"])
    }

    @Test(arguments: ["openai-gpt41.yaml", "vllm-local.yaml", "gemini-judge.yaml", "azure-gpt.yaml"])
    func theShippedHTTPConfigsLoad(name: String) throws {
        let config = try RunConfig.load(path: Self.repo.appendingPathComponent("pipeline-configs/\(name)").path)
        #expect(config.backends.thinker.kind == .openai)
        #expect(config.backends.scorer.kind == .openai)
        #expect(config.backends.editors.allSatisfy { $0.kind == .editthinkerHTTP && !$0.endpoints.isEmpty })
        #expect(config.backends.thinker.answerFormat == "json")
    }

    @Test func anUnknownAnswerFormatIsAConfigError() {
        let yaml = """
        workdir: w
        backends:
          thinker: {kind: openai, base_url: "http://127.0.0.1:1/v1", model: m, answer_format: xml}
        """
        #expect(throws: (any Error).self) { try RunConfig.parse(yaml, file: "/tmp/x.yaml") }
    }
}
