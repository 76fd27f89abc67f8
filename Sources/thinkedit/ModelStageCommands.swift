import ArgumentParser
import Foundation
import ThinkEditPipeline

/// Runs `body` with Ctrl-C handling: the first interrupt stops taking work and lets calls in flight
/// finish; a second exits at once. An interrupted stage exits with status 130.
func withInterruption(_ options: ConfigOptions, shard: Shard?, settings: SettingsOptions = SettingsOptions(),
                      _ body: @escaping @Sendable (StageContext) async throws -> Void) async throws {
    let config = try options.load()
    let store = try config.openRun()
    let interruption = Interruption()
    interruption.install {
        FileHandle.standardError.write(Data("\nstopping: no new calls; calls in flight get \(Int(interruption.grace)) s to finish (Ctrl-C again to quit now)\n".utf8))
    }
    var context = StageContext(config: config, store: store, interruption: interruption, shard: shard) { print($0) }
    context.settingsPolicy = try settings.policy()
    do {
        try await body(context)
    } catch let e as StageInterrupted {
        print(e.description)
        throw ExitCode(130)
    }
}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Run the think-while-edit loop over the pool (SPEC §2.2); resumable.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "Work on shard i of n only (a stable hash of the pool id): i/n with 0 <= i < n, e.g. 0/4.") var shard: Shard?
    @OptionGroup var settings: SettingsOptions
    func run() async throws {
        try await withInterruption(options, shard: shard, settings: settings) { try await StageRunner.run(GenerateStage(), $0) }
    }
}

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "Judge every edited image against the original instruction (SPEC §2.3); resumable.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "Work on shard i of n only: i/n with 0 <= i < n, e.g. 0/4.") var shard: Shard?
    @OptionGroup var settings: SettingsOptions
    func run() async throws {
        try await withInterruption(options, shard: shard, settings: settings) { try await StageRunner.run(ScoreStage(), $0) }
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Import the pool if needed, then every stage in order, resuming where it stopped.")
    @OptionGroup var options: ConfigOptions
    @OptionGroup var settings: SettingsOptions
    func run() async throws {
        try await withInterruption(options, shard: nil, settings: settings) { try await RunPipeline.run($0) }
    }
}

struct RetryFailedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-failed", abstract: "Put failed trajectories (and failed scorings) back in the queue.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "Only these error classes, comma-separated.")
    var `class`: CallErrorClasses?
    func run() async throws {
        let config = try options.load()
        let store = try config.openRun()
        let (g, s) = try store.retryFailed(classes: `class`?.classes)
        print("retry-failed: \(g) trajectories back in the generation queue, \(s) back in the scoring queue; run `thinkedit run \(options.config)` to continue")
    }
}
