import ArgumentParser
import Foundation
import ThinkEditPipeline

/// Opens the run for writing and brings one stage (and what it reads) up to date.
func runStage(_ stage: any PipelineStage, _ options: ConfigOptions) async throws {
    let config = try options.load()
    let store = try config.openRun()
    let context = StageContext(config: config, store: store) { line in print(line) }
    try await StageRunner.run(stage, context)
}

struct FilterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter", abstract: "Keep trajectories that improved, truncated at their best step (SPEC §2.4).")
    @OptionGroup var options: ConfigOptions
    func run() async throws { try await runStage(FilterStage(), options) }
}

struct UnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unroll", abstract: "Turn kept trajectories into step samples (SPEC §2.5).")
    @OptionGroup var options: ConfigOptions
    func run() async throws { try await runStage(UnrollStage(), options) }
}

struct SplitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split", abstract: "Select the RL and SFT sets, balanced by task and score (SPEC §2.6).")
    @OptionGroup var options: ConfigOptions
    func run() async throws { try await runStage(SplitStage(), options) }
}
