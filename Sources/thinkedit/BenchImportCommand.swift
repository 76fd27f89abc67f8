import ArgumentParser
import Foundation
import ThinkEditBenchmarks
import ThinkEditPipeline

struct BenchImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Time `trajectories import` of N trajectories whose images are shared small files."
    )

    @Option(help: "Trajectories in the corpus.") var count = 100_000
    @Option(help: "Turns per trajectory.") var turns = 4
    @Option(help: "Imports to time (the median is reported).") var repeats = 3
    @Option(help: "Scratch folder (deleted and re-created).") var folder = NSTemporaryDirectory() + "thinkedit-bench-import"

    func run() async throws {
        let r = try ImportBenchmark(count: count, turns: turns, repeats: repeats, folder: folder).run { print($0) }
        print(String(format: "median: %.2f s for %d trajectories = %.0f trajectories/s", r.median, r.count, r.perSecond))
    }
}
