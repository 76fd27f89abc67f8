import Foundation
import Testing
import ThinkEditTestSupport
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditImaging
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// Records what the scripted backends were asked, for the assertions.
typealias CallLog = Recorder<String>

/// An expert that is satisfied before `satisfiedAt` (turn number), and rewrites instructions.
struct ScriptedThinker: Thinker {
    var name = "scripted-expert"
    var satisfiedAt: Int
    let log: CallLog
    func think(_ r: ThinkRequest) async throws -> ThinkAnswer {
        log.add("think \(r.item.trajectoryID) t=\(r.turn) prev=\(r.previousInstruction ?? "-") img=\(r.previousImage == nil ? "no" : "yes")")
        if r.previousImage != nil && r.turn >= satisfiedAt {
            return ThinkAnswer(satisfied: true, reasoning: "looks right at turn \(r.turn - 1)", instruction: r.previousInstruction ?? "")
        }
        return ThinkAnswer(satisfied: false, reasoning: "reason for turn \(r.turn)", instruction: "\(r.item.instruction), precisely (turn \(r.turn))")
    }
}

/// An editor whose image encodes (trajectory, turn, seed), so every edit is distinct.
struct ScriptedEditor: Editor {
    var name = "scripted-editor"
    let log: CallLog
    var failFor: Set<String> = []
    /// The format of the images it answers with (hosted editors often answer JPEG).
    var format: ImageFormat = .png
    struct Failure: ClassifiedError { var errorClass: CallErrorClass { .server } }
    func edit(_ r: EditRequest) async throws -> EditResult {
        log.add("edit \(r.item.trajectoryID) t=\(r.turn) seed=\(r.seed) instr=\(r.instruction)")
        if failFor.contains(r.item.trajectoryID) { throw Failure() }
        let h = Derivation.hash64("\(r.item.trajectoryID)|\(r.turn)|\(r.seed)")
        let img = RGBImage(width: 8, height: 8, fill: (UInt8(h & 0xff), UInt8(h >> 8 & 0xff), UInt8(h >> 16 & 0xff)))
        return EditResult(image: format == .png ? try ImageCodec.encodePNG(img) : try ImageCodec.encodeJPEG(img, quality: 90))
    }
}

/// A judge whose numbers grow with the turn, and that records the instruction it was shown.
struct ScriptedJudge: Scorer {
    var name = "scripted-judge"
    let log: CallLog
    func judge(_ r: JudgeRequest) async throws -> JudgeAnswer {
        log.add("judge \(r.aspect.rawValue) \(r.item.trajectoryID) t=\(r.turn) instr=\(r.item.instruction)")
        let v = min(10, 2 + 2 * r.turn)
        return JudgeAnswer(scores: r.aspect == .semantic ? [ScoreNumber(v), ScoreNumber(9)] : [ScoreNumber(8), ScoreNumber(10)],
                           reasoning: "\(r.aspect.rawValue) judged")
    }
}

@Suite struct GenerationTests {
    /// A run whose pool has `count` items with real PNG sources.
    static func run(count: Int, extra: String = "") throws -> TestRun {
        let run = try TestRun(extraConfig: extra)
        let dir = makeTempDir("gen")
        var lines: [String] = []
        for i in 0..<count {
            writePNG(dir + "/img/\(i).png", color: (UInt8(i % 256), 9, 9))
            lines.append(#"{"id": "item-\#(i)", "image": "img/\#(i).png", "instruction": "make object \#(i) red", "task": "color_alter"}"#)
        }
        write(lines.joined(separator: "\n") + "\n", to: dir + "/pool.jsonl")
        _ = try PoolImporter(config: run.config, store: run.store).importFile(dir + "/pool.jsonl")
        return run
    }

    static func backends(_ log: CallLog, satisfiedAt: Int = 99, fail: Set<String> = [], editors: [(String, Double)] = [("scripted-editor", 1)],
                         concurrency: Int = 4) -> BackendSet {
        BackendSet(thinker: ScriptedThinker(satisfiedAt: satisfiedAt, log: log), scorer: ScriptedJudge(log: log),
                   editors: editors.map { (ScriptedEditor(name: $0.0, log: log, failFor: fail), weight: $0.1) }, concurrency: concurrency)
    }

    static func context(_ run: TestRun, config: RunConfig? = nil) -> StageContext {
        StageContext(config: config ?? run.config, store: run.store) { _ in }
    }

    static func trajectories(_ run: TestRun) throws -> [Trajectory] {
        var out: [Trajectory] = []
        try run.store.forEachTrajectory { t, _ in out.append(t) }
        return out
    }

    @Test func theExpertsStopEndsTheTrajectory() async throws {
        let run = try Self.run(count: 1, extra: "generation: {max_turns: 5}\n")
        let log = CallLog()
        try await StageRunner.run(GenerateStage(backends: Self.backends(log, satisfiedAt: 3)), Self.context(run))
        let t = try #require(try Self.trajectories(run).first)
        #expect(t.status == .complete && t.endReason == .stop)
        #expect(t.turns.count == 2)
        #expect(t.stopReasoning == "looks right at turn 2")
        #expect(t.turns[0].instruction == "make object 0 red")
        #expect(t.turns[0].reasoning == nil)
        #expect(t.turns[1].instruction == "make object 0 red, precisely (turn 2)")
        #expect(t.turns[1].reasoning == "reason for turn 2")
        // Before turn 2 the expert saw I_1 and T_1; before turn 3 it saw I_2 and T_2.
        #expect(log.all.filter { $0.hasPrefix("think") } == [
            "think item-0 t=2 prev=make object 0 red img=yes",
            "think item-0 t=3 prev=make object 0 red, precisely (turn 2) img=yes",
        ])
    }

    @Test func maxTurnsEndsTheTrajectoryAfterNEdits() async throws {
        let run = try Self.run(count: 1, extra: "generation: {max_turns: 3}\n")
        let log = CallLog()
        try await StageRunner.run(GenerateStage(backends: Self.backends(log)), Self.context(run))
        let t = try #require(try Self.trajectories(run).first)
        #expect(t.endReason == .maxTurns)
        #expect(t.turns.map(\.turn) == [1, 2, 3])
        #expect(log.all.filter { $0.hasPrefix("edit") }.count == 3)
        #expect(log.all.filter { $0.hasPrefix("think") }.count == 2)
    }

    @Test func anEditorAnsweringJPEGIsShownItsOwnPreviousEditOnTheNextTurn() async throws {
        let run = try Self.run(count: 2, extra: "generation: {max_turns: 3}\n")
        let log = CallLog()
        let backends = BackendSet(thinker: ScriptedThinker(satisfiedAt: 99, log: log), scorer: ScriptedJudge(log: log),
                                  editors: [(ScriptedEditor(log: log, format: .jpeg), weight: 1)], concurrency: 2)
        try await StageRunner.run(GenerateStage(backends: backends), Self.context(run))
        var formats: [String: ImageFormat] = [:]
        var trajectories: [Trajectory] = []
        try run.store.forEachTrajectory { t, f in
            trajectories.append(t)
            formats.merge(f) { a, _ in a }
        }
        #expect(trajectories.count == 2)
        for t in trajectories {
            #expect(t.endReason == .maxTurns)
            #expect(t.turns.count == 3)
            for image in t.turns.compactMap(\.image) {
                #expect(formats[image] == .jpeg)
                #expect(try ImageFormat.sniff(run.store.images.read(hash: image, format: .jpeg)) == .jpeg)
            }
        }
        #expect(log.all.filter { $0.hasPrefix("think") && $0.hasSuffix("img=yes") }.count == 4)
    }

    @Test func firstTurnRewriteAsksTheExpertBeforeTheFirstEdit() async throws {
        let run = try Self.run(count: 1, extra: "generation: {max_turns: 2, first_turn: rewrite}\n")
        let log = CallLog()
        try await StageRunner.run(GenerateStage(backends: Self.backends(log)), Self.context(run))
        let t = try #require(try Self.trajectories(run).first)
        #expect(log.all.first == "think item-0 t=1 prev=- img=no")
        #expect(t.turns[0].instruction == "make object 0 red, precisely (turn 1)")
        #expect(t.turns[0].reasoning == "reason for turn 1")
    }

    @Test func editorSeedsDeriveFromRunSeedTrajectoryAndTurn() async throws {
        let run = try Self.run(count: 2, extra: "seed: 42\ngeneration: {max_turns: 2}\n")
        let log = CallLog()
        try await StageRunner.run(GenerateStage(backends: Self.backends(log)), Self.context(run))
        for t in try Self.trajectories(run) {
            for turn in t.turns {
                #expect(turn.seed == Derivation.editorSeed(runSeed: 42, trajectory: t.id, turn: turn.turn))
            }
        }
        #expect(Derivation.editorSeed(runSeed: 42, trajectory: "a", turn: 1) != Derivation.editorSeed(runSeed: 43, trajectory: "a", turn: 1))
    }

    @Test func editorsAreAssignedByAStableHashByWeight() async throws {
        let run = try Self.run(count: 200, extra: "generation: {max_turns: 1}\n")
        let log = CallLog()
        try await StageRunner.run(GenerateStage(backends: Self.backends(log, editors: [("flux", 3), ("qwen", 1)])), Self.context(run))
        let ts = try Self.trajectories(run)
        for t in ts {
            #expect(t.editor == ["flux", "qwen"][Derivation.editorIndex(item: t.id, weights: [3, 1])])
        }
        let flux = ts.filter { $0.editor == "flux" }.count
        #expect((120...180).contains(flux), "about three quarters of 200 items go to the weight-3 editor, got \(flux)")
    }

    @Test func scoringJudgesEveryImageAgainstTheOriginalInstruction() async throws {
        let run = try Self.run(count: 2, extra: "generation: {max_turns: 3}\n")
        let log = CallLog()
        let backends = Self.backends(log)
        try await StageRunner.run(GenerateStage(backends: backends), Self.context(run))
        try await StageRunner.run(ScoreStage(backends: backends), Self.context(run))
        let judged = log.all.filter { $0.hasPrefix("judge") }
        #expect(judged.count == 2 * 3 * 2)
        #expect(judged.allSatisfy { $0.hasSuffix("instr=make object 0 red") || $0.hasSuffix("instr=make object 1 red") })
        for t in try Self.trajectories(run) {
            for turn in t.turns {
                let s = try #require(turn.score)
                let v = min(10, 2 + 2 * turn.turn)
                #expect(s.semantic == ScoreNumber(min(v, 9)))
                #expect(s.quality == ScoreNumber(8))
                #expect(s.overall == (Double(min(v, 9)) * 8).squareRoot())
                #expect(turn.judge?.success == ScoreNumber(v))
                #expect(turn.judgeReasoning == "semantic judged\nquality judged")
            }
        }
        // Nothing left: the second run is up to date.
        let lines = LogLines()
        try await StageRunner.run(ScoreStage(backends: backends), StageContext(config: run.config, store: run.store) { lines.add($0) })
        #expect(lines.all == ["score: up to date"])
    }

    @Test func chatPromptsAnswerFormatAndJSONModeAreInTheSettingsRecords() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prompt-fp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = dir.appendingPathComponent("prompts")
        try FileManager.default.createDirectory(at: prompts, withIntermediateDirectories: true)
        func config(_ thinkerExtra: String = "") throws -> RunConfig {
            try RunConfig.parse("""
                workdir: w
                backends:
                  thinker: {kind: openai, base_url: "http://localhost:1", model: m, api_key_env: K\(thinkerExtra)}
                  scorer: {kind: openai, base_url: "http://localhost:1", model: m, api_key_env: K}
                """, file: dir.appendingPathComponent("run.yaml").path, workdir: nil)
        }
        let c = try config()
        let expert = try c.generateSettings()
        let judge = try c.scoreSettings()
        #expect(expert.json.contains("\"prompts\":{\"refine\":") && judge.json.contains("\"prompts\":{\"quality\":"))
        #expect(try config(", answer_format: tags").generateSettings().id != expert.id)
        #expect(try config(", json_mode: false").generateSettings().id != expert.id)
        // Endpoints, concurrency, keys and prices are not settings.
        #expect(try config(", concurrency: 3").generateSettings().id == expert.id)
        try Data("Judge strictly.\n".utf8).write(to: prompts.appendingPathComponent("judge_system.txt"))
        #expect(try c.scoreSettings().id != judge.id)
        #expect(try c.generateSettings().id == expert.id)
        let synthetic = try RunConfig.parse("workdir: w\n", file: dir.appendingPathComponent("run.yaml").path, workdir: nil)
        #expect(!(try synthetic.generateSettings().json.contains("prompts")))
    }

    @Test func scoringAPageAtATimeJudgesEveryImageExactlyOnce() async throws {
        let run = try Self.run(count: 9, extra: "generation: {max_turns: 3}\n")
        let log = CallLog()
        let backends = Self.backends(log)
        try await StageRunner.run(GenerateStage(backends: backends), Self.context(run))
        let images = try run.store.read(ScoreWork.trajectoryIDs).count
        #expect(images == 27)
        // Pages of 4 images split trajectories between pages.
        try await StageRunner.run(ScoreStage(backends: backends, pageSize: 4), Self.context(run))
        let judged = log.all.filter { $0.hasPrefix("judge") }
        #expect(judged.count == 2 * images)
        #expect(Set(judged).count == judged.count)
        #expect(try run.store.read(ScoreWork.trajectoryIDs).isEmpty)
        #expect(try run.store.snapshot().scoredTurns == images)
    }

    @Test func aFailedCallMarksTheTrajectoryAndRetryFailedPutsItBack() async throws {
        let run = try Self.run(count: 3, extra: "generation: {max_turns: 2}\n")
        let log = CallLog()
        try await StageRunner.run(GenerateStage(backends: Self.backends(log, fail: ["item-1"])), Self.context(run))
        var s = try run.store.snapshot()
        #expect(s.trajectories == [.complete: 2, .failed: 1])
        #expect(s.failures == [.server: 1])
        #expect(s.callErrors == [.server: 1])
        #expect(try run.store.retryFailed(classes: [.timeout]) == (0, 0))
        #expect(try run.store.retryFailed(classes: [.server]) == (1, 0))
        try await StageRunner.run(GenerateStage(backends: Self.backends(log)), Self.context(run))
        s = try run.store.snapshot()
        #expect(s.trajectories == [.complete: 3])
        // The two complete trajectories were not touched again: their edits were each sent once.
        let edits = log.all.filter { $0.hasPrefix("edit item-0") }
        #expect(edits.count == 2)
    }

    @Test func concurrencyDoesNotChangeTheTrajectories() async throws {
        let a = try await Self.syntheticRun(concurrency: 1)
        let b = try await Self.syntheticRun(concurrency: 32)
        #expect(a == b)
        #expect(!a.isEmpty)
    }

    /// Generates and scores a 30-item synthetic pool at the given concurrency and returns the
    /// trajectory export's bytes.
    static func syntheticRun(concurrency: Int) async throws -> Data {
        let dir = makeTempDir("synth")
        write("""
            workdir: work
            seed: 11
            pool: {synth: {count: 30, seed: 3, image_size: 64}}
            generation: {max_turns: 4}
            backends:
              thinker: {kind: synthetic, concurrency: \(concurrency)}
              scorer: {kind: synthetic, concurrency: \(concurrency)}
              editor: {kind: synthetic, concurrency: \(concurrency)}
            """, to: dir + "/c.yaml")
        let config = try RunConfig.load(path: dir + "/c.yaml")
        let store = try RunStore.openForWriting(workdir: config.workdir)
        try await RunPipeline.run(StageContext(config: config, store: store) { _ in })
        _ = try TrajectoryExporter(store: store).export(to: dir + "/out/t.jsonl")
        return try Data(contentsOf: URL(fileURLWithPath: dir + "/out/t.jsonl"))
    }
}
