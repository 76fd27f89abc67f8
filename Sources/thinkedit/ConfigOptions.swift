import ArgumentParser
import ThinkEditPipeline

/// The CONFIG argument and `--workdir`, shared by every command that works on a run.
struct ConfigOptions: ParsableArguments {
    @Argument(help: "The run's YAML config (see pipeline-configs/).")
    var config: String

    @Option(help: "Work directory of the run; overrides the config's `workdir`.")
    var workdir: String?

    func load() throws -> RunConfig {
        try RunConfig.load(path: config, workdir: workdir)
    }
}
