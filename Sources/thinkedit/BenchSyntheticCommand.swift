import ArgumentParser
import Foundation
import ThinkEditBenchmarks
import ThinkEditSynthetic

/// `thinkedit bench synthetic`: runs the synthetic world's statistics harness once per editor
/// profile and prints the figures `docs/synthetic-world.md` and `docs/benchmarks.md` record, with
/// CPU ms per turn, then the table of measured figures beside the paper's.
struct BenchSyntheticCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthetic",
        abstract: "Measure the synthetic world per editor profile, beside the paper's figures: score statistics and CPU cost per turn."
    )

    @Option(help: "Trajectories to simulate.") var count = 2000
    @Option(help: "Run seed.") var seed: UInt64 = 7
    @Option(help: "Most editor calls per trajectory (the paper's turn sweep goes to 8).") var maxTurns = 8
    @Option(help: "Editor profile to measure (repeat for several; default: all of \(SyntheticEditorProfile.all.map(\.name).joined(separator: ", "))).")
    var profile: [String] = []
    @Option(help: "Side of the square images, in pixels.") var imageSize = 256
    @Option(help: "Write example trajectories (PNG strips and examples.md) into this folder.") var examples: String?
    @Option(help: "How many example trajectories to write with --examples.") var exampleCount = 6

    func validate() throws {
        for name in profile where SyntheticEditorProfile.named(name) == nil {
            throw ValidationError("unknown editor profile \"\(name)\": use one of \(SyntheticEditorProfile.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let profiles = profile.isEmpty ? SyntheticEditorProfile.all : profile.compactMap(SyntheticEditorProfile.named)
        var runs: [SyntheticWorldStatistics] = []
        for (k, p) in profiles.enumerated() {
            // Examples come from the first profile only: one set of strips for the docs.
            runs.append(try await measure(p, keepExamples: k == 0))
        }
        print("")
        print(SyntheticWorldStatistics.paperTable(runs))
    }

    private func measure(_ profile: SyntheticEditorProfile, keepExamples: Bool) async throws -> SyntheticWorldStatistics {
        let keep = examples == nil || !keepExamples ? 0 : exampleCount
        let wallStart = Date()
        let stats = try await SyntheticWorldStatistics.run(count: count, seed: seed, maxTurns: maxTurns, imageSize: imageSize, keepExamples: keep,
                                                           profile: profile)
        let wall = Date().timeIntervalSince(wallStart)
        print("== editor profile \(profile.name) (\(profile.model))")
        print(stats.report())
        print(String(format: "cpu_ms_per_turn: median %.3f  p90 %.3f  mean %.3f  (bound <= 5; turns %d, cpu in calls %.2f s, wall %.2f s)",
                     stats.medianTurnCPUMilliseconds, stats.p90TurnCPUMilliseconds, stats.cpuMillisecondsPerTurn, stats.turns, stats.cpuSecondsInCalls, wall))
        let perTurn = { (seconds: Double) in seconds * 1000 / Double(max(stats.turns, 1)) }
        print(String(format: "cpu_ms_per_turn_by_backend: editor %.3f  expert %.3f  judge %.3f", perTurn(stats.cpuSecondsEditor), perTurn(stats.cpuSecondsExpert), perTurn(stats.cpuSecondsJudge)))
        if let folder = examples, keep > 0 {
            try writeExamples(stats.examples, to: folder)
            print("examples: \(stats.examples.count) written to \(folder)")
        }
        return stats
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
