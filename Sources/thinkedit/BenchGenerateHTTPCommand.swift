import ArgumentParser
import Foundation
import ThinkEditBenchmarks
import ThinkEditPipeline

/// `thinkedit bench generate-http`: scheduler efficiency of the real generate and score stages
/// with the real HTTP drivers against `thinkedit-fake-server` (started here) on loopback.
struct BenchGenerateHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-http",
        abstract: "Generate + score with the HTTP drivers against a local fake server: efficiency against the ideal."
    )

    @Option(help: "Pool items (one trajectory each).") var count = 4000
    @Option(help: "Most editor calls per trajectory.") var maxTurns = 5
    @Option(help: "The fake server's delay per model call, in milliseconds.") var delayMs = 50
    @Option(help: "Calls in flight per backend (expert, judge, editor).") var concurrency = 64
    @Option(help: "A folder overriding the expert's and judge's built-in prompts.") var prompts: String?
    @Option(help: "Use this already running thinkedit-fake-server (base URL) instead of starting one.") var url: String?
    @Option(help: "Scratch folder (deleted and re-created).") var folder = NSTemporaryDirectory() + "thinkedit-bench-generate-http"
    @Option(help: "Side of the images in pixels: photo-like PNG sources and PNG/JPEG edits of that size (0: small flat images).")
    var imageSize = 0
    @Option(help: "The response cache: on (a fresh cache in the scratch folder, every answer kept) or off.")
    var cache: Toggle = .on

    enum Toggle: String, ExpressibleByArgument, CaseIterable { case on, off }

    func run() async throws {
        if imageSize != 0 && !(16...4096).contains(imageSize) {
            throw ValidationError("--image-size takes 0 or a side from 16 to 4096 pixels, got \(imageSize)")
        }
        let server = url == nil
            ? try FakeServerProcess(arguments: ["--delay-ms", String(delayMs)] + (imageSize > 0 ? ["--image-size", String(imageSize)] : []))
            : nil
        defer { server?.stop() }
        guard let base = url ?? server?.url else { return }
        let bench = GenerateHTTPBenchmark(count: count, maxTurns: maxTurns, delayMs: delayMs, concurrency: concurrency,
                                          serverURL: base, prompts: prompts, folder: folder, imageSize: imageSize,
                                          cache: cache == .on)
        let r = try await bench.run { print($0) }
        print("trajectories \(r.trajectories), turns \(r.turns), delay \(delayMs) ms, concurrency \(concurrency) per backend, server \(base), "
              + (imageSize > 0 ? "images \(imageSize)×\(imageSize)" : "small images") + ", response cache \(cache.rawValue)")
        for s in r.stages {
            let calls = s.calls.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("\(s.stage): " + String(format: "wall %.2f s, cpu %.2f s; calls: ", s.wallSeconds, s.cpuSeconds) + calls +
                  String(format: "; ideal %.2f s, efficiency %.1f%%, %.0f turns/s (ideal %.0f)", s.idealSeconds,
                         100 * s.idealSeconds / s.wallSeconds, Double(r.turns) / s.wallSeconds, Double(r.turns) / s.idealSeconds))
        }
        let cpu = r.stages.reduce(0) { $0 + $1.cpuSeconds }
        let turns = Double(max(r.turns, 1))
        print(String(format: "client cpu per turn (generate + score): %.2f ms over %d turns; peak memory %.0f MiB",
                     1000 * cpu / turns, r.turns, Double(r.peakMemoryBytes) / 1_048_576))
        // Where it went: the measured categories, and the rest (HTTP, scheduling, everything unmeasured).
        let measured = r.breakdown.reduce(0) { $0 + $1.1 }
        for (category, seconds) in r.breakdown {
            print("  " + category.label.padding(toLength: 46, withPad: " ", startingAt: 0)
                  + String(format: "%7.2f ms per turn  %5.1f%%", 1000 * seconds / turns, 100 * seconds / cpu))
        }
        print("  " + "HTTP, scheduling and the rest (unmeasured)".padding(toLength: 46, withPad: " ", startingAt: 0)
              + String(format: "%7.2f ms per turn  %5.1f%%", 1000 * (cpu - measured) / turns, 100 * (cpu - measured) / cpu))
        // The bodies on the wire, as the server counted them: what `scripts/bench/wire_floor.py`
        // needs to measure what moving them alone costs.
        let kinds = r.wire.sorted { $0.key < $1.key }
        let sent = kinds.reduce(0) { $0 + $1.value.requestBytes }, received = kinds.reduce(0) { $0 + $1.value.answerBytes }
        print(String(format: "bodies on the wire per turn: %.2f MB sent, %.2f MB received; per call: ", Double(sent) / turns / 1e6,
                     Double(received) / turns / 1e6)
              + kinds.map { kind, w in
                  "\(kind) " + String(format: "%.3f MB out, %.3f MB back (%.2f a turn)", Double(w.requestBytes) / Double(w.calls) / 1e6,
                         Double(w.answerBytes) / Double(w.calls) / 1e6, Double(w.calls) / turns)
              }.joined(separator: "; "))
    }
}
