import ArgumentParser
import Foundation
import ThinkEditCore
import ThinkEditImaging
import ThinkEditPipeline

/// `thinkedit bench batch-score`: score of `requests` judge calls in batch mode against the fake
/// Files and Batches API, which runs a fixed number of requests a second. Imports unscored
/// trajectories (two judge calls per turn), then times `thinkedit score` as a child process and
/// reports its wall time against the fake's processing time (requests / rate), its peak memory,
/// and the cost shown against the online cost of the same answers.
struct BenchBatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-score",
        abstract: "Time batch score of N judge requests against the fake Batches API at a fixed rate."
    )

    @Option(help: "Judge requests (two per turn).") var requests = 100_000
    @Option(name: .customLong("per-second"), help: "Requests the fake service runs a second, in all.") var perSecond = 1_000
    @Option(help: "Seconds between looks at the batches in flight.") var poll = 1.0
    @Option(help: "Scratch folder (deleted and re-created).") var folder = NSTemporaryDirectory() + "thinkedit-bench-batch"

    func run() async throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: folder)
        try fm.createDirectory(atPath: folder + "/data/img", withIntermediateDirectories: true)
        let turns = 2
        let count = (requests / 2 + turns - 1) / turns
        // A few small images shared by every trajectory; the instructions differ, so every
        // request is its own.
        var names: [String] = []
        for i in 0..<4 {
            let img = RGBImage(width: 16, height: 16, fill: (UInt8(60 * i), 120, UInt8(255 - 60 * i)))
            let name = "img/shared-\(i).png"
            guard fm.createFile(atPath: folder + "/data/" + name, contents: Data(try ImageCodec.encodePNG(img))) else {
                throw ValidationError("cannot write \(folder)/data/\(name)")
            }
            names.append(name)
        }
        let corpus = folder + "/data/trajectories.jsonl"
        var w = JSONWriter()
        for n in 0..<count {
            var t = Trajectory(id: String(format: "batch-%07d", n), task: "color_alter", instruction: "make object \(n) a little more red",
                               sourceImage: names[n % 4], editor: "bench-editor", endReason: .maxTurns, stopReasoning: nil)
            for k in 1...turns {
                t.turns.append(Turn(turn: k, instruction: "turn \(k): paint object \(n) red", reasoning: k == 1 ? nil : "not red enough",
                                    image: names[(n + k) % 4], score: nil))
            }
            TrajectoryExporter.write(t, imageName: { $0 }, to: &w)
        }
        try Data(w.text.utf8).write(to: URL(fileURLWithPath: corpus))

        let server = try FakeServerProcess(arguments: ["--delay-ms", "0", "--batch-per-second", String(perSecond)])
        defer { server.stop() }
        let configFile = folder + "/bench.yaml"
        try """
            workdir: run
            backends:
              scorer: {kind: openai, name: judge, base_url: "\(server.url)/v1", model: judge-1, api_key_env: THINKEDIT_BENCH_BATCH_KEY, \
            mode: batch, batch: {poll_seconds: \(poll)}, price: {prompt_per_million: 2.0, completion_per_million: 8.0}}
            """.write(toFile: configFile, atomically: true, encoding: .utf8)
        setenv("THINKEDIT_BENCH_BATCH_KEY", "sk-bench", 1)
        let config = try RunConfig.load(path: configFile)
        do {
            let store = try config.openRun()
            let summary = try TrajectoryImporter(config: config, store: store).importFile(corpus)
            print("corpus: \(summary.inserted) trajectories × \(turns) unscored turns = \(summary.inserted * turns * 2) judge requests")
        }

        let start = DispatchTime.now().uptimeNanoseconds
        let (status, usage) = try Self.spawn([CommandLine.arguments[0], "score", configFile])
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard status == 0 else { throw ValidationError("thinkedit score exited with \(status)") }

        let (answered, cost, prompt, completion, files) = try config.readRun().answeredCalls(stage: .score)
        let online = (Double(prompt) * 2.0 + Double(completion) * 8.0) / 1_000_000
        let ideal = Double(answered) / Double(perSecond)
        print("answered: \(answered) requests in \(files) batch files")
        print(String(format: "wall: %.1f s; the fake's processing time %.1f s (%d requests at %d/s): %.1f%% over",
                     wall, ideal, answered, perSecond, (wall / ideal - 1) * 100))
        print(String(format: "peak memory of thinkedit score: %.0f MB; CPU %.1f s user, %.1f s system",
                     Double(usage.ru_maxrss) / 1024, Self.seconds(usage.ru_utime), Self.seconds(usage.ru_stime)))
        print(String(format: "cost shown: %.4f; the same answers online: %.4f; ratio %.4f", cost, online, cost / online))
    }

    static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }

    /// Runs `argv` and waits for it; its exit status and resource usage.
    static func spawn(_ argv: [String]) throws -> (Int32, rusage) {
        var pid: pid_t = 0
        let args = argv.map { strdup($0) } + [nil]
        defer { for a in args { free(a) } }
        let rc = posix_spawn(&pid, argv[0], nil, nil, args, environ)
        guard rc == 0 else { throw ValidationError("cannot start \(argv[0]): error \(rc)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : -1, usage)
    }
}
