import Foundation
import Testing
import ThinkEditTestSupport
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// Collects what stages say, to check which ran and which were up to date.
typealias LogLines = Recorder<String>

@Suite struct CurationStageTests {
    /// One trajectory line with the given (SC, PQ) per turn; `nil` scores leave the turn unscored.
    static func line(_ id: String, task: String = "color_alter", end: String = "stop", scores: [(Int, Int)?]) -> String {
        var steps: [String] = []
        for (i, s) in scores.enumerated() {
            let score = s.map { #", "score": {"semantic": \#($0.0), "quality": \#($0.1)}"# } ?? ""
            let reasoning = i == 0 ? "" : #", "reasoning": "fix step \#(i + 1)""#
            steps.append(#"{"turn": \#(i + 1), "instruction": "do \#(i + 1)"\#(reasoning), "image": "img/e.png"\#(score)}"#)
        }
        let stop = end == "stop" ? #", "stop_reasoning": "good now""# : ""
        return #"{"id": "\#(id)", "task": "\#(task)", "instruction": "do it", "source_image": "img/s.png", "end_reason": "\#(end)"\#(stop), "steps": [\#(steps.joined(separator: ", "))]}"#
    }

    static func importLines(_ run: TestRun, _ lines: [String]) throws {
        let dir = makeTempDir("cur")
        writePNG(dir + "/img/s.png", color: (1, 2, 3))
        writePNG(dir + "/img/e.png", color: (4, 5, 6))
        write(lines.joined(separator: "\n") + "\n", to: dir + "/t.jsonl")
        _ = try TrajectoryImporter(config: run.config, store: run.store).importFile(dir + "/t.jsonl")
    }

    static let sample = [
        line("a-rl", scores: [(2, 2), (8, 8)]),                       // O 2 → 8: kept k=2, V=9, RL candidate
        line("b-sft", task: "subject-add", scores: [(8, 8), (9, 9), (9, 9)]), // kept k=2 (first best), V=0.25, stop sample? k≠n: none
        line("c-worse", scores: [(8, 8), (5, 5)]),                    // no_improvement
        line("d-one", scores: [(5, 5)]),                              // single_turn
        line("e-unscored", scores: [(5, 5), nil]),                    // unscored
        line("f-stop", task: "subject-add", scores: [(6, 6), (7, 7)]),    // kept k=2=n, stop → refine + stop sample
    ]

    private func context(_ run: TestRun, _ log: LogLines, config: RunConfig? = nil) -> StageContext {
        StageContext(config: config ?? run.config, store: run.store) { log.add($0) }
    }

    @Test func filterUnrollAndSplitFillTheRun() async throws {
        let run = try TestRun(extraConfig: "rl: {min_variance: 1.0, trajectories: 10}\nsft: {samples: 100, min_quality: 7.0}\n")
        try Self.importLines(run, Self.sample)
        let log = LogLines()
        try await StageRunner.run(SplitStage(), context(run, log))
        let s = try run.store.snapshot()
        #expect(s.kept == 3)
        #expect(s.dropped == [.noImprovement: 1, .singleTurn: 1, .unscored: 1])
        // a-rl: refine t=2 (+ stop t=3, since k = n = 2 and it stopped); b-sft: refine t=2;
        // f-stop: refine t=2 + stop t=3.
        #expect(s.samples == 5)
        #expect(s.split[.rl] == 2)
        #expect(s.split[.sft] == 3)
        #expect(log.all.map { $0.components(separatedBy: ":")[0] } == ["filter", "unroll", "split"])

        let stages = try run.store.latestStageRuns()
        #expect(stages[.split]?.status == .done)
        let stats = try JSONDecoder().decode(SplitStatistics.self, from: Data(try #require(stages[.split]?.stats).utf8))
        #expect(stats.rl.selected == 1 && stats.rl.shortfall == 9)
        #expect(stats.sft.selected == 3 && stats.sft.shortfall == 97)
        let json = try JSONParser.parse(try StatusReport(store: run.store).json)
        #expect(json["kept"] == .integer(3))
        #expect(json["dropped"]?["single_turn"] == .integer(1))
        #expect(json["split"]?["sft"] == .integer(3))
        #expect(json["stages"]?["split"]?["counts"]?["rl_trajectories"] == .integer(1))
        #expect(json["stages"]?["split"]?["stats"]?["rl"]?["shortfall"] == .integer(9))
        let table = try StatusReport(store: run.store).table
        #expect(table.contains("SHORTFALL 9"))
        #expect(table.contains("threshold rl.min_variance = 1.0"))
        #expect(table.contains("k=2: 3"))
    }

    @Test func rerunningWithNothingChangedIsANoOp() async throws {
        let run = try TestRun()
        try Self.importLines(run, Self.sample)
        let log = LogLines()
        try await StageRunner.run(SplitStage(), context(run, log))
        let before = try run.store.latestStageRuns()
        log.clear()
        try await StageRunner.run(SplitStage(), context(run, log))
        #expect(log.all == ["filter: up to date", "unroll: up to date", "split: up to date"])
        #expect(try run.store.latestStageRuns() == before)
    }

    @Test func changingASplitSettingRecomputesOnlyTheSplit() async throws {
        let run = try TestRun()
        try Self.importLines(run, Self.sample)
        let log = LogLines()
        try await StageRunner.run(SplitStage(), context(run, log))
        var changed = run.config
        changed.curation.rlMinVariance = 20
        log.clear()
        try await StageRunner.run(SplitStage(), context(run, log, config: changed))
        #expect(log.all[0] == "filter: up to date")
        #expect(log.all[1] == "unroll: up to date")
        #expect(log.all[2].hasPrefix("split: RL 0 trajectories"))
        #expect(try run.store.snapshot().split[.rl] == nil)
    }

    @Test func turningStopSamplesOffRecomputesUnrollAndSplit() async throws {
        let run = try TestRun()
        try Self.importLines(run, Self.sample)
        let log = LogLines()
        try await StageRunner.run(SplitStage(), context(run, log))
        var changed = run.config
        changed.curation.stopSamples = false
        log.clear()
        try await StageRunner.run(SplitStage(), context(run, log, config: changed))
        #expect(log.all[0] == "filter: up to date")
        #expect(log.all[1].hasPrefix("unroll: 3 samples (3 refine, 0 stop)"))
        #expect(try run.store.snapshot().samples == 3)
    }

    @Test func newTrajectoriesMakeTheFilterRunAgain() async throws {
        let run = try TestRun()
        try Self.importLines(run, Array(Self.sample.prefix(2)))
        let log = LogLines()
        try await StageRunner.run(FilterStage(), context(run, log))
        try Self.importLines(run, [Self.line("g-new", scores: [(3, 3), (9, 9)])])
        log.clear()
        try await StageRunner.run(FilterStage(), context(run, log))
        #expect(log.all.count == 1 && log.all[0].hasPrefix("filter: 3 of 3 trajectories kept"))
    }

    @Test func rlAndSftNeverShareATrajectory() async throws {
        let run = try TestRun(extraConfig: "rl: {min_variance: 0.0, trajectories: 2}\n")
        var lines: [String] = []
        for i in 0..<40 { lines.append(Self.line("t\(i)", task: i % 2 == 0 ? "color_alter" : "subject-add", scores: [(7 + i % 2, 8), (9, 9), (i % 3 + 7, 9)])) }
        try Self.importLines(run, lines)
        try await StageRunner.run(SplitStage(), context(run, LogLines()))
        let rows = try run.store.read(SplitMember.fetchAll)
        let rl = Set(rows.filter { $0.split == .rl }.map(\.trajectory))
        let sft = Set(rows.filter { $0.split == .sft }.map(\.trajectory))
        #expect(rl.count == 2)
        #expect(!sft.isEmpty)
        #expect(rl.isDisjoint(with: sft))
    }
}
