import ArgumentParser
import ThinkEditPipeline

/// `thinkedit merge CONFIG SHARD_DIR...`: the shards' runs into the config's run (or --workdir).
struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the work directories of `--shard i/n` runs into one run (all or nothing; merging again changes nothing).",
        discussion: "Takes every complete trajectory (turns, scores, call journal) and pool item of each shard, images once each. A shard still being written is refused; ids with different content are listed and nothing is merged."
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The shards' work directories.")
    var shards: [String]

    @Flag(help: "Merge shards whose work was made with different settings (the run is then mixed).")
    var keep = false

    func run() async throws {
        let config = try options.load()
        let store = try config.openRun()
        try ShardMerge(target: store) { print($0) }.merge(shards, keep: keep)
    }
}
