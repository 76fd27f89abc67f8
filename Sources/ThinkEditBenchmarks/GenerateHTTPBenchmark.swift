import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditImaging
import ThinkEditPipeline
import ThinkEditStore
import ThinkEditSynthetic

/// `thinkedit bench generate-http`: the real `generate` and `score` stages with the real HTTP
/// drivers — `openai` chat as expert and judge, `editthinker-http` as editor — against
/// `thinkedit-fake-server` on loopback, which answers every model call after a fixed delay. The
/// stage's wall time is compared with the ideal of a perfect scheduler: the busiest backend's
/// calls × delay / concurrency (the same yardstick as `bench generate`, which uses in-process
/// fakes); the gap is the scheduler's and the HTTP stack's overhead together.
///
/// The call counts come from the server's `GET /stats`, so a request the drivers send twice
/// counts twice. The server is started by the caller (the command), so this type stays free of
/// process handling.
package struct GenerateHTTPBenchmark {
    package var count: Int
    package var maxTurns: Int
    /// The server's delay per model call, in milliseconds (for the ideal).
    package var delayMs: Int
    /// Calls in flight per backend (expert, judge, editor).
    package var concurrency: Int
    /// Base URL of the running fake server (chat and edit routes on one server).
    package var serverURL: String
    /// A folder overriding the built-in prompts of the expert and the judge; nil: the built-ins.
    package var prompts: String?
    /// Scratch work directory, deleted and re-created.
    package var folder: String
    /// Side of the pool's source images: 0 for small flat 16×16 PNGs, one per item; otherwise one
    /// of 32 photo-like PNGs of that size per item (start the server with the same `--image-size`).
    package var imageSize: Int
    /// Whether the response cache is on (the default a user gets: every answer kept, no hits in
    /// a fresh run) or off (`cache: off`).
    package var cache: Bool

    package init(count: Int, maxTurns: Int = 5, delayMs: Int, concurrency: Int = 64, serverURL: String, prompts: String?, folder: String,
                 imageSize: Int = 0, cache: Bool = true) {
        self.count = count
        self.cache = cache
        self.imageSize = imageSize
        self.maxTurns = maxTurns
        self.delayMs = delayMs
        self.concurrency = concurrency
        self.serverURL = serverURL
        self.prompts = prompts
        self.folder = folder
    }

    /// The config the benchmark runs with: every backend at `concurrency`, no retries hidden
    /// behind long timeouts (a fault-free server needs none).
    var configText: String {
        let promptsKey = prompts.map { ", prompts: \"\(URL(fileURLWithPath: $0).standardizedFileURL.path)\"" } ?? ""
        return """
            workdir: work
            seed: 1
            cache: \(cache ? "cache" : "off")
            generation: {max_turns: \(maxTurns)}
            backends:
              thinker: {kind: openai, name: fake-expert, base_url: "\(serverURL)", model: fake-expert, concurrency: \(concurrency), timeout_seconds: 60\(promptsKey)}
              scorer: {kind: openai, name: fake-judge, base_url: "\(serverURL)", model: fake-judge, concurrency: \(concurrency), timeout_seconds: 60\(promptsKey)}
              editor: {kind: editthinker-http, name: fake-editor, endpoints: ["\(serverURL)"], concurrency: \(concurrency), timeout_seconds: 60}

            """
    }

    package func run(log: @escaping @Sendable (String) -> Void) async throws -> GenerateBenchmark.Result {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let configPath = (folder as NSString).appendingPathComponent("bench.yaml")
        try Data(configText.utf8).write(to: URL(fileURLWithPath: configPath))
        let config = try RunConfig.load(path: configPath)
        let store = try RunStore.openForWriting(workdir: config.workdir)
        try fillPool(store)
        let context = StageContext(config: config, store: store) { _ in }
        var stages: [GenerateBenchmark.StageFigures] = []
        var wire: [String: GenerateBenchmark.Wire] = [:]
        CPUMeter.start()
        defer { CPUMeter.stop() }
        for stage in [GenerateStage(), ScoreStage()] as [any PipelineStage] {
            let before = try await Self.serverCounts(serverURL)
            let cpu0 = ProcessCPUClock.seconds()
            let wall0 = DispatchTime.now().uptimeNanoseconds
            try await StageRunner.run(stage, context)
            let wall = Double(DispatchTime.now().uptimeNanoseconds - wall0) / 1e9
            let cpu = ProcessCPUClock.seconds() - cpu0
            let after = try await Self.serverCounts(serverURL)
            var calls: [String: Int] = [:]
            for (server, name) in [("expert", "think"), ("judge", "judge"), ("edit", "edit")] {
                func delta(_ field: String) -> Int { after.count(server, field) - before.count(server, field) }
                let n = delta("requests")
                guard n > 0 else { continue }
                calls[name] = n
                wire[name, default: .init(calls: 0, requestBytes: 0, answerBytes: 0)].add(
                    .init(calls: n, requestBytes: delta("request_bytes"), answerBytes: delta("answer_bytes")))
            }
            let busiest = calls.values.max() ?? 0
            let ideal = Double(busiest) * Double(delayMs) / 1000 / Double(concurrency)
            stages.append(.init(stage: stage.name.rawValue, wallSeconds: wall, cpuSeconds: cpu, calls: calls, idealSeconds: ideal))
            log("\(stage.name): " + String(format: "%.2f s wall, %.2f s cpu, %d calls", wall, cpu, calls.values.reduce(0, +)))
        }
        let s = try store.snapshot()
        let failed = s.trajectories[.failed] ?? 0
        if failed > 0 { log("warning: \(failed) trajectories failed; the figures include their retries") }
        var result = GenerateBenchmark.Result(trajectories: s.trajectories[.complete] ?? 0, turns: s.turns, stages: stages,
                                              peakMemoryBytes: peakResidentBytes())
        result.breakdown = CPUMeter.exclusive()
        result.wire = wire
        return result
    }

    /// The fake server's counters so far, by kind (`expert`, `judge`, `edit`) and counter
    /// (`requests`, `request_bytes`, `answer_bytes`, outcomes).
    struct ServerCounts {
        var counts: [String: [String: Int]] = [:]
        func count(_ kind: String, _ field: String) -> Int { counts[kind]?[field] ?? 0 }
    }

    static func serverCounts(_ url: String) async throws -> ServerCounts {
        let reply = try await HTTPTransport.shared.send(HTTPCall(method: "GET", url: "\(url)/stats", maxResponseBytes: 1 << 20, timeout: 10))
        guard reply.status == 200, let value = try? JSONParser.parse(reply.body), case .object(let kinds) = value else {
            throw BenchmarkServerError(url: url, message: "GET /stats answered \(reply.status) without a JSON object; is it thinkedit-fake-server?")
        }
        var out = ServerCounts()
        for (kind, fields) in kinds {
            guard case .object(let counters) = fields else { continue }
            for (name, number) in counters { if case .integer(let n) = number { out.counts[kind, default: [:]][name] = Int(n) } }
        }
        return out
    }

    /// `count` pool items, each with its own small source image (a colour drawn from its index) and
    /// one of a few instructions, so the fake expert's and judge's hashes differ from item to item;
    /// with `imageSize` set, each with one of 32 photo-like sources of that size instead.
    private func fillPool(_ store: RunStore) throws {
        let instructions = [("make the square red", "color_alter"), ("remove the circle", "subject-remove"),
                            ("add a small star in the corner", "subject-add"), ("turn the background into a beach", "background_change"),
                            ("make it look like a watercolour", "style_change"), ("replace the square with a triangle", "subject-replace")]
        var records: [String: ImageRecord] = [:]
        var items: [PoolItem] = []
        var photos: [Int: String] = [:]
        for i in 0..<count {
            let hash: String
            if imageSize > 0 {
                if let known = photos[i % 32] {
                    hash = known
                } else {
                    let png = try ImageCodec.encodePNG(SyntheticPhoto.make(width: imageSize, height: imageSize, seed: UInt64(1000 + i % 32)))
                    hash = ContentHash.sha256Hex(png)
                    try store.images.put(png, hash: hash, format: .png)
                    records[hash] = ImageRecord(hash: hash, format: .png, width: imageSize, height: imageSize, bytes: png.count)
                    photos[i % 32] = hash
                }
            } else {
                let png = try ImageCodec.encodePNG(RGBImage(width: 16, height: 16, fill: (UInt8(i & 0xFF), UInt8((i >> 8) & 0xFF), UInt8((i * 7) & 0xFF))))
                hash = ContentHash.sha256Hex(png)
                if records[hash] == nil {
                    try store.images.put(png, hash: hash, format: .png)
                    records[hash] = ImageRecord(hash: hash, format: .png, width: 16, height: 16, bytes: png.count)
                }
            }
            let (instruction, task) = instructions[i % instructions.count]
            items.append(PoolItem(id: String(format: "http-%07d", i), image: hash, instruction: instruction, task: task))
        }
        _ = try store.insertPool(images: records.values.sorted { $0.hash < $1.hash }, items: items)
    }
}

/// The fake server the benchmark measures against did not answer as expected.
struct BenchmarkServerError: Error, CustomStringConvertible {
    package var url: String
    package var message: String
    package var description: String { "\(url): \(message)" }
}
