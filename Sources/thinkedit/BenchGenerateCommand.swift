import ArgumentParser
import Foundation
import ThinkEditBenchmarks
import ThinkEditPipeline

/// `thinkedit bench generate`: the pipeline's own cost around model calls (instant fake backends:
/// CPU ms per turn) or the scheduler's efficiency (backends that sleep `--latency-ms` per call).
struct BenchGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate + score with in-process fake backends: CPU per turn, or scheduler efficiency with --latency-ms."
    )

    @Option(help: "Pool items (one trajectory each).") var count = 20_000
    @Option(help: "Most editor calls per trajectory.") var maxTurns = 5
    @Option(help: "The fake expert is satisfied before this turn (so each trajectory has this many turns minus one).") var satisfiedAt = 4
    @Option(help: "Milliseconds every fake call sleeps (0: answer at once).") var latencyMs = 0
    @Option(help: "Calls in flight per backend.") var concurrency = 64
    @Option(help: "Scratch folder (deleted and re-created).") var folder = NSTemporaryDirectory() + "thinkedit-bench-generate"

    func run() async throws {
        let bench = GenerateBenchmark(count: count, maxTurns: maxTurns, satisfiedAt: satisfiedAt, latencyMs: latencyMs,
                                      concurrency: concurrency, folder: folder)
        let r = try await bench.run { print($0) }
        print("trajectories \(r.trajectories), turns \(r.turns), latency \(latencyMs) ms, concurrency \(concurrency) per backend")
        var cpu = 0.0
        for s in r.stages {
            cpu += s.cpuSeconds
            let calls = s.calls.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            var line = "\(s.stage): " + String(format: "wall %.2f s, cpu %.2f s (%.3f ms per turn); calls: ", s.wallSeconds, s.cpuSeconds,
                                                 s.cpuSeconds * 1000 / Double(max(r.turns, 1))) + calls
            if latencyMs > 0 {
                line += String(format: "; ideal %.2f s, efficiency %.1f%%, %.0f turns/s (ideal %.0f)", s.idealSeconds,
                               100 * s.idealSeconds / s.wallSeconds, Double(r.turns) / s.wallSeconds, Double(r.turns) / s.idealSeconds)
            }
            print(line)
        }
        print(String(format: "generate + score: cpu %.3f ms per turn outside the backends; peak memory %.0f MiB",
                     cpu * 1000 / Double(max(r.turns, 1)), Double(r.peakMemoryBytes) / 1_048_576))
    }
}
