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

/// `--recompute` and `--keep`: what a model stage does when the config's settings differ from
/// those of the work already stored (SPEC §2.8). Without either it stops before any call.
struct SettingsOptions: ParsableArguments {
    @Flag(help: "Make the stored work follow the config: redo every model stage whose work was made with other settings (work kept earlier with --keep included), and every stage after it; answers in the response cache are not paid again.")
    var recompute = false

    @Flag(help: "Keep the work made with the old settings and make new work with the new ones (the run is then mixed).")
    var keep = false

    func policy() throws -> SettingsPolicy {
        if recompute && keep { throw ValidationError("give --recompute or --keep, not both") }
        return recompute ? .recompute : keep ? .keep : .stop
    }
}
