import ArgumentParser
import Foundation
import ThinkEditBenchmarks
import ThinkEditSynthetic

/// `thinkedit bench synthetic`: runs the synthetic world's statistics harness and prints the
/// figures `docs/synthetic-world.md` and `docs/benchmarks.md` record, with CPU ms per turn.
struct BenchSyntheticCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthetic",
        abstract: "Measure the synthetic world: score statistics and CPU cost per turn."
    )

    @Option(help: "Trajectories to simulate.") var count = 2000
    @Option(help: "Run seed.") var seed: UInt64 = 7
    @Option(help: "Most editor calls per trajectory.") var maxTurns = 5
    @Option(help: "Side of the square images, in pixels.") var imageSize = 256
    @Option(help: "Write example trajectories (PNG strips and examples.md) into this folder.") var examples: String?
    @Option(help: "How many example trajectories to write with --examples.") var exampleCount = 6

    func run() async throws {
        let keep = examples == nil ? 0 : exampleCount
        let wallStart = Date()
        let stats = try await SyntheticWorldStatistics.run(count: count, seed: seed, maxTurns: maxTurns, imageSize: imageSize, keepExamples: keep)
        let wall = Date().timeIntervalSince(wallStart)
        print(stats.report())
        print(String(format: "cpu_ms_per_turn: median %.3f  p90 %.3f  mean %.3f  (bound <= 5; turns %d, cpu in calls %.2f s, wall %.2f s)",
                     stats.medianTurnCPUMilliseconds, stats.p90TurnCPUMilliseconds, stats.cpuMillisecondsPerTurn, stats.turns, stats.cpuSecondsInCalls, wall))
        let perTurn = { (seconds: Double) in seconds * 1000 / Double(max(stats.turns, 1)) }
        print(String(format: "cpu_ms_per_turn_by_backend: editor %.3f  expert %.3f  judge %.3f", perTurn(stats.cpuSecondsEditor), perTurn(stats.cpuSecondsExpert), perTurn(stats.cpuSecondsJudge)))
        if let folder = examples {
            try writeExamples(stats.examples, to: folder)
            print("examples: \(stats.examples.count) written to \(folder)")
        }
    }

    private func writeExamples(_ examples: [SyntheticWorldStatistics.Example], to folder: String) throws {
        let root = URL(fileURLWithPath: folder, isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var text = ""
        for example in examples {
            let name = "synthetic-\(example.item.id).png"
            try Data(try example.strip()).write(to: root.appendingPathComponent(name))
            text += example.markdown(imagePath: name) + "\n"
        }
        try Data(text.utf8).write(to: root.appendingPathComponent("examples.md"))
    }
}
