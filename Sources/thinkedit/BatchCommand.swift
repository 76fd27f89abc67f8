import ArgumentParser
import Foundation
import ThinkEditCore
import ThinkEditPipeline

/// `thinkedit batch write|read`: batch files for an offline runner (`vllm run-batch`).
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Exchange batch files with an offline runner (vllm run-batch) through the run's batch journal.",
        subcommands: [BatchWriteCommand.self, BatchReadCommand.self]
    )
}

struct BatchWriteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Write the stage's next requests as batch JSONL for `vllm run-batch -i FILE -o RESULTS`.",
        discussion: """
            score: every judgement still missing. generate: first the edits the last answers asked for (online), then the \
            next expert call of every live trajectory; repeat write, run, read until write finds nothing to send.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var settings: SettingsOptions
    @Option(help: "score or generate.") var stage: String
    @Argument(help: "The JSONL file to write.") var file: String

    func run() async throws {
        guard let stage = StageName(rawValue: stage), stage == .score || stage == .generate else {
            throw ValidationError("--stage takes score or generate, not \(self.stage)")
        }
        let config = try options.load()
        let store = try config.openRun()
        var context = StageContext(config: config, store: store) { print($0) }
        context.settingsPolicy = try settings.policy()
        let written = try await LocalBatch.write(context, stage: stage, to: file)
        if written.requests == 0 {
            print("\(stage.rawValue): nothing to send (no request is missing, or they are all out in batches)")
        } else {
            print("\(stage.rawValue): \(written.requests) requests written to \(file) (batch \(written.batch ?? 0)); run them, then `thinkedit batch read \(options.config) RESULTS`")
            if let capped = written.capped { print("\(stage.rawValue): not all: \(capped)") }
        }
    }
}

struct BatchReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Commit the results of a batch file written by `batch write` (vllm run-batch's output file)."
    )

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The results JSONL.") var file: String

    func run() async throws {
        let config = try options.load()
        let store = try config.openRun()
        let read = try await LocalBatch.read(StageContext(config: config, store: store) { print($0) }, from: file)
        print("\(read.stage.rawValue): batch \(read.batch): \(read.answered) answers committed, \(read.failed) failed" +
              (read.failed > 0 ? " (sent again by the next batch write while they have retries left)" : ""))
    }
}
