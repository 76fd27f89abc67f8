import ArgumentParser
import ThinkEditPipeline

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show where a run stands (reads only; safe while a stage runs)."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func run() async throws {
        let config = try options.load()
        let report = try StatusReport(store: try config.readRun(), config: config)
        print(json ? report.json : report.table)
    }
}
