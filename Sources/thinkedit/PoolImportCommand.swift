import ArgumentParser
import ThinkEditPipeline

struct PoolImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a pool JSONL file (SPEC §4.1). The whole file is checked first; a bad line means nothing is written."
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "Pool JSONL: one {\"id\", \"image\", \"instruction\", \"task\"} object per line.")
    var file: String

    func run() async throws {
        let config = try options.load()
        let store = try config.openRun()
        let s = try PoolImporter(config: config, store: store).importFile(file)
        print("pool import: \(s.rows) rows, \(s.inserted) new, \(s.unchanged) already in the run, \(s.images) images stored")
    }
}
