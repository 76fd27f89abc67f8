import ArgumentParser
import ThinkEditPipeline

struct TrajectoriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trajectories",
        abstract: "Import or export whole trajectories (SPEC §4.2).",
        subcommands: [TrajectoriesImportCommand.self, TrajectoriesExportCommand.self]
    )
}

struct TrajectoriesImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import trajectory JSONL; then filter, unroll, split and export run without models."
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "Trajectory JSONL (SPEC §4.2).")
    var file: String

    func run() async throws {
        let config = try options.load()
        let store = try config.openRun()
        let s = try TrajectoryImporter(config: config, store: store).importFile(file)
        print("trajectories import: \(s.rows) rows, \(s.inserted) new, \(s.unchanged) already in the run, \(s.images) images stored")
    }
}

struct TrajectoriesExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every complete trajectory as JSONL (SPEC §4.2), images in images/ beside the file."
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The JSONL file to write.")
    var file: String

    func run() async throws {
        let config = try options.load()
        let store = try config.readRun()
        let s = try TrajectoryExporter(store: store).export(to: file)
        print("trajectories export: \(s.exported) trajectories, \(s.images) images" + (s.skipped > 0 ? ", \(s.skipped) pending or failed not written" : ""))
    }
}
