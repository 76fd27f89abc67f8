import ArgumentParser
import ThinkEditPages
import ThinkEditPipeline

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a static HTML report of the run to <workdir>/report/ (reads only; safe while a stage runs)."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Trajectories per list page.")
    var pageSize = 50

    func run() async throws {
        guard pageSize > 0 else { throw ValidationError("--page-size must be at least 1, not \(pageSize).") }
        let config = try options.load()
        let summary = try ReportBuilder(store: try config.readRun(), pageSize: pageSize).build()
        print("report: \(summary.trajectories) trajectories, \(summary.listPages) list pages in \(String(format: "%.1f", summary.seconds)) s"
            + (summary.missingImages > 0 ? "; \(summary.missingImages) images unreadable (placeholders)" : ""))
        print("open \(summary.folder)/index.html")
    }
}
