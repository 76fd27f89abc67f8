import Foundation
import Synchronization
import ThinkEditBackends
import ThinkEditCore
import ThinkEditImaging
import ThinkEditPipeline
import ThinkEditStore
import ThinkEditSynthetic

/// `thinkedit bench generate`: generate + score over a pool of `count` items with in-process fake
/// backends, to measure what the pipeline itself costs around the model calls. The expert asks
/// for a new instruction until turn `satisfiedAt`, then is satisfied; the editor always returns
/// the same small PNG; the judge always gives the same numbers. With `latencyMs = 0` the backends
/// answer at once, so the process CPU time divided by the turns is the pipeline's own cost per
/// turn (scheduling, hashing, image validation, commits). With a latency, every call sleeps that
/// long, and the stage's wall time is compared to the ideal a perfect scheduler reaches with
/// `concurrency` calls in flight per backend.
package struct GenerateBenchmark {
    package var count: Int
    package var maxTurns: Int
    package var satisfiedAt: Int
    package var latencyMs: Int
    package var concurrency: Int
    /// Scratch work directory, deleted and re-created.
    package var folder: String

    package init(count: Int, maxTurns: Int = 5, satisfiedAt: Int = 4, latencyMs: Int = 0, concurrency: Int = 64, folder: String) {
        self.count = count
        self.maxTurns = maxTurns
        self.satisfiedAt = satisfiedAt
        self.latencyMs = latencyMs
        self.concurrency = concurrency
        self.folder = folder
    }

    /// The figures of one stage.
    package struct StageFigures: Sendable {
        package var stage: String
        package var wallSeconds: Double
        package var cpuSeconds: Double
        /// Model calls the stage made, by kind (`edit`, `think`, `judge`).
        package var calls: [String: Int]
        /// The least wall time the calls allow: the busiest backend's calls × latency / concurrency.
        package var idealSeconds: Double
    }

    package struct Result: Sendable {
        package var trajectories: Int
        package var turns: Int
        package var stages: [StageFigures]
        package var peakMemoryBytes: Int
        /// Client CPU seconds by category (`CPUMeter`), when measured.
        package var breakdown: [(CPUMeter.Category, Double)] = []
        /// What went over the wire, by call kind (`think`, `judge`, `edit`), as the server counted
        /// it; empty for in-process fakes.
        package var wire: [String: Wire] = [:]
    }

    /// Calls of one kind and the bytes of their request and answer bodies.
    package struct Wire: Sendable {
        package var calls: Int
        package var requestBytes: Int
        package var answerBytes: Int

        mutating func add(_ other: Wire) {
            calls += other.calls
            requestBytes += other.requestBytes
            answerBytes += other.answerBytes
        }
    }

    package func run(log: @escaping @Sendable (String) -> Void) async throws -> Result {
        try? FileManager.default.removeItem(atPath: folder)
        let configPath = (folder as NSString).appendingPathComponent("bench.yaml")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("workdir: work\nseed: 1\ngeneration: {max_turns: \(maxTurns)}\n".utf8).write(to: URL(fileURLWithPath: configPath))
        let config = try RunConfig.load(path: configPath)
        let store = try RunStore.openForWriting(workdir: config.workdir)
        try fillPool(store)

        let answerPNG = try ImageCodec.encodePNG(RGBImage(width: 16, height: 16, fill: (200, 40, 40)))
        let latency = UInt64(latencyMs) * 1_000_000
        let counter = CallCounter()
        let backends = BackendSet(thinker: FixedThinker(satisfiedAt: satisfiedAt, latency: latency, counter: counter),
                                  scorer: FixedJudge(latency: latency, counter: counter),
                                  editors: [(FixedEditor(image: answerPNG, latency: latency, counter: counter), weight: 1)],
                                  concurrency: concurrency)
        let context = StageContext(config: config, store: store) { _ in }
        var stages: [StageFigures] = []
        for stage in [GenerateStage(backends: backends), ScoreStage(backends: backends)] as [any PipelineStage] {
            let cpu0 = ProcessCPUClock.seconds()
            let wall0 = DispatchTime.now().uptimeNanoseconds
            try await StageRunner.run(stage, context)
            let wall = Double(DispatchTime.now().uptimeNanoseconds - wall0) / 1e9
            let cpu = ProcessCPUClock.seconds() - cpu0
            let byKind = counter.take()
            // Each backend (editor, expert, judge) runs `concurrency` calls at once.
            let busiest = byKind.values.max() ?? 0
            let ideal = Double(busiest) * Double(latencyMs) / 1000 / Double(concurrency)
            stages.append(StageFigures(stage: stage.name.rawValue, wallSeconds: wall, cpuSeconds: cpu, calls: byKind, idealSeconds: ideal))
            log("\(stage.name): " + String(format: "%.2f s wall, %.2f s cpu, %d calls", wall, cpu, byKind.values.reduce(0, +)))
        }
        let s = try store.snapshot()
        return Result(trajectories: s.trajectories[.complete] ?? 0, turns: s.turns, stages: stages, peakMemoryBytes: peakResidentBytes())
    }

    /// `count` pool items sharing one small source image.
    private func fillPool(_ store: RunStore) throws {
        let png = try ImageCodec.encodePNG(RGBImage(width: 16, height: 16, fill: (40, 40, 200)))
        let hash = ContentHash.sha256Hex(png)
        try store.images.put(png, hash: hash, format: .png)
        let record = ImageRecord(hash: hash, format: .png, width: 16, height: 16, bytes: png.count)
        let items = (0..<count).map { i in
            PoolItem(id: String(format: "bench-%07d", i), image: hash, instruction: "make the square red", task: "color_alter")
        }
        _ = try store.insertPool(images: [record], items: items)
    }
}

/// An expert that asks for a sharper instruction until turn `satisfiedAt`, then stops.
struct FixedThinker: Thinker {
    var name: String { "fixed-expert" }
    let satisfiedAt: Int
    let latency: UInt64
    let counter: CallCounter

    func think(_ r: ThinkRequest) async throws -> ThinkAnswer {
        counter.add("think")
        if latency > 0 { try await Task.sleep(nanoseconds: latency) }
        if r.turn >= satisfiedAt {
            return ThinkAnswer(satisfied: true, reasoning: "the square is red", instruction: r.previousInstruction ?? r.item.instruction,
                               usage: Usage(promptTokens: 900, completionTokens: 120))
        }
        return ThinkAnswer(satisfied: false, reasoning: "only part of the square changed",
                           instruction: "paint the whole square pure red (turn \(r.turn))", usage: Usage(promptTokens: 900, completionTokens: 120))
    }
}

/// An editor that returns the same encoded image for every request.
struct FixedEditor: Editor {
    var name: String { "fixed-editor" }
    let image: [UInt8]
    let latency: UInt64
    let counter: CallCounter

    func edit(_ r: EditRequest) async throws -> EditResult {
        counter.add("edit")
        if latency > 0 { try await Task.sleep(nanoseconds: latency) }
        return EditResult(image: image)
    }
}

/// A judge that gives the same two numbers for every image.
struct FixedJudge: Scorer {
    var name: String { "fixed-judge" }
    let latency: UInt64
    let counter: CallCounter

    func judge(_ r: JudgeRequest) async throws -> JudgeAnswer {
        counter.add("judge")
        if latency > 0 { try await Task.sleep(nanoseconds: latency) }
        return JudgeAnswer(scores: [ScoreNumber(7), ScoreNumber(8)], reasoning: "\(r.aspect.rawValue): fine",
                           usage: Usage(promptTokens: 700, completionTokens: 60))
    }
}

/// Calls made, by kind, since the last `take()`.
final class CallCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func add(_ kind: String) { counts.withLock { $0[kind, default: 0] += 1 } }

    func take() -> [String: Int] {
        counts.withLock { c in
            defer { c = [:] }
            return c
        }
    }
}
