import ArgumentParser
import ThinkEditPipeline

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the SFT and RL sets in the trainers' formats (SPEC §2.7, §4.3).")
    @OptionGroup var options: ConfigOptions
    func run() async throws { try await runStage(ExportStage(), options) }
}
