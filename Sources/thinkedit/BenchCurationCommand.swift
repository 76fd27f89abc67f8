import ArgumentParser
import Foundation
import ThinkEditBenchmarks
import ThinkEditPipeline

struct BenchCurationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curation",
        abstract: "Time filter, unroll and split on N scored trajectories (about 4 turns each)."
    )

    @Option(help: "Trajectories to put in the run.") var count = 1_000_000
    @Option(help: "Scratch folder (deleted and re-created).") var folder = NSTemporaryDirectory() + "thinkedit-bench-curation"

    func run() async throws {
        let r = try await CurationBenchmark(count: count, folder: folder).run { print($0) }
        let total = r.stageSeconds.reduce(0) { $0 + $1.1 }
        print(String(format: "filter + unroll + split: %.2f s; peak memory %.0f MiB", total, Double(r.peakMemoryBytes) / 1_048_576))
    }
}
