import Foundation
import Testing
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore

@Suite struct TrajectoryImportExportTests {
    private func folder(_ lines: [String]) -> String {
        let dir = makeTempDir("traj")
        writePNG(dir + "/img/src.png", color: (10, 20, 30))
        writePNG(dir + "/img/e1.png", color: (200, 20, 30))
        writePNG(dir + "/img/e2.png", color: (250, 0, 0))
        write(lines.joined(separator: "\n") + "\n", to: dir + "/t.jsonl")
        return dir + "/t.jsonl"
    }

    private let specExample = #"""
        {"id": "p-001", "task": "color_alter", "instruction": "make the car red", "source_image": "img/src.png", "editor": "flux-kontext", "end_reason": "stop", "stop_reasoning": "the car is red now ...", "steps": [{"turn": 1, "instruction": "make the car red", "image": "img/e1.png", "score": {"semantic": 4, "quality": 8}}, {"turn": 2, "reasoning": "only the hood changed ...", "instruction": "paint the whole car body red ...", "image": "img/e2.png", "score": {"semantic": 8, "quality": 8, "overall": 8.0}}]}
        """#

    private func problems(_ run: TestRun, _ file: String) -> [ImportProblem] {
        do {
            _ = try TrajectoryImporter(config: run.config, store: run.store).importFile(file)
        } catch ImportError.invalid(_, let p, _) {
            return p
        } catch {
            Issue.record("unexpected \(error)")
        }
        return []
    }

    @Test func theSpecExampleImports() throws {
        let run = try TestRun()
        let s = try TrajectoryImporter(config: run.config, store: run.store).importFile(folder([specExample]))
        #expect(s.inserted == 1 && s.images == 3)
        let t = try #require(try run.store.trajectories(ids: ["p-001"])["p-001"])
        #expect(t.endReason == .stop)
        #expect(t.editor == "flux-kontext")
        #expect(t.turns.count == 2)
        #expect(t.turns[0].score?.overall == (32.0).squareRoot())
        #expect(t.turns[0].score?.overallGiven == false)
        #expect(t.turns[1].score?.overall == 8.0)
        #expect(t.turns[1].score?.overallGiven == true)
        #expect(t.turns[1].reasoning == "only the hood changed ...")
    }

    @Test func scoresAreOptional() throws {
        let run = try TestRun()
        let line = #"{"id": "u", "task": "color_alter", "instruction": "x", "source_image": "img/src.png", "end_reason": "max_turns", "steps": [{"turn": 1, "instruction": "x", "image": "img/e1.png"}]}"#
        _ = try TrajectoryImporter(config: run.config, store: run.store).importFile(folder([line]))
        let t = try #require(try run.store.trajectories(ids: ["u"])["u"])
        #expect(t.turns[0].score == nil)
        #expect(t.editor == "unknown")
    }

    @Test func everyKindOfBadRowIsReported() throws {
        let run = try TestRun()
        let file = folder([
            #"{"id": "a", "task": "color_alter", "instruction": "x", "source_image": "img/src.png", "steps": [{"turn": 1, "instruction": "x", "image": "img/e1.png"}]}"#,
            #"{"id": "b", "task": "color_alter", "instruction": "x", "source_image": "img/src.png", "end_reason": "stop", "steps": [{"turn": 1, "instruction": "x", "image": "img/e1.png"}]}"#,
            #"{"id": "c", "task": "color_alter", "instruction": "x", "source_image": "img/src.png", "end_reason": "max_turns", "steps": [{"turn": 1, "instruction": "x", "image": "img/e1.png"}, {"turn": 3, "instruction": "y", "image": "img/e2.png"}]}"#,
            #"{"id": "d", "task": "color_alter", "instruction": "x", "source_image": "img/src.png", "end_reason": "max_turns", "steps": [{"turn": 1, "instruction": "x", "image": "img/e1.png", "score": {"semantic": 11, "quality": 3}}]}"#,
            #"{"id": "e", "task": "color_alter", "instruction": "x", "source_image": "img/missing.png", "end_reason": "max_turns", "steps": [{"turn": 1, "instruction": "x", "image": "img/e1.png"}]}"#,
            #"{"id": "f", "task": "color_alter", "instruction": "x", "source_image": "img/src.png", "end_reason": "done", "steps": []}"#,
            #"{"id": "g", "task": "color_alter", "instruction": "x", "source_image": "img/src.png", "end_reason": "max_turns", "steps": [{"turn": 1, "instruction": "x", "image": "img/e1.png", "score": {"semantic": "high", "quality": 3}}]}"#,
        ])
        let p = problems(run, file)
        func at(_ line: Int) -> [String] { p.filter { $0.line == line }.map(\.message) }
        #expect(at(1).contains("field \"end_reason\" is missing: stop or max_turns"))
        #expect(at(2).contains { $0.contains("\"stop_reasoning\" is missing or empty") })
        #expect(at(3).contains { $0.contains("steps[1] has turn 3") })
        #expect(at(3).contains("field \"steps[1].reasoning\" is missing"))
        #expect(at(4).contains { $0.contains("steps[0].score.semantic is 11") })
        #expect(at(5).contains { $0.contains("img/missing.png") && $0.contains("no such file") })
        #expect(at(6).contains { $0.contains("\"done\"") })
        #expect(at(6).contains { $0.contains("\"steps\" is empty") })
        #expect(at(7).contains { $0.contains("steps[0].score.semantic") && $0.contains("must be a number") })
        #expect(try run.store.trajectoryCount() == 0)
        #expect(run.imageFiles().isEmpty)
    }

    @Test func reimportIsIdempotentAndConflictsAreRefused() throws {
        let run = try TestRun()
        let file = folder([specExample])
        _ = try TrajectoryImporter(config: run.config, store: run.store).importFile(file)
        let again = try TrajectoryImporter(config: run.config, store: run.store).importFile(file)
        #expect(again.inserted == 0 && again.unchanged == 1)
        let version = try run.store.dataVersion()
        let changed = folder([specExample.replacingOccurrences(of: "make the car red\", \"source_image", with: "make the car blue\", \"source_image")])
        let p = problems(run, changed)
        #expect(p.count == 1 && p[0].message.contains("already in the run with different content"))
        #expect(try run.store.dataVersion() == version)
    }

    @Test func exportThenImportGivesTheSameContent() throws {
        let run = try TestRun()
        let odd = #"""
            {"id": "ü/../é 👍\tid\"q", "task": "subject-add", "instruction": "ajoute un chapeau 🎩 \"rouge\"\nligne 2", "source_image": "img/src.png", "editor": "qwen-image-edit", "end_reason": "max_turns", "steps": [{"turn": 1, "instruction": "ajoute", "reasoning": "pensé d'abord", "image": "img/e1.png", "seed": 18446744073709551615, "score": {"semantic": 2.5, "quality": 7, "judge": {"success": 2.5, "over_editing": 9, "naturalness": 7, "artifacts": 8}, "reasoning": "le chapeau manque"}}, {"turn": 2, "reasoning": "il faut un chapeau", "instruction": "mets un chapeau rouge", "image": "img/e2.png", "executed_prompt": "Mets un chapeau rouge vif.", "executed_seed": 9, "score": {"semantic": 6, "quality": 6.0, "overall": 5.999999}}]}
            """#
        let unscored = #"{"id": "../x", "task": "color_alter", "instruction": "x", "source_image": "img/src.png", "end_reason": "max_turns", "steps": [{"turn": 1, "instruction": "x", "image": "img/e1.png"}]}"#
        _ = try TrajectoryImporter(config: run.config, store: run.store).importFile(folder([specExample, odd, unscored]))
        var original: [Trajectory] = []
        try run.store.forEachTrajectory { t, _ in original.append(t) }
        #expect(original.count == 3)

        let out = makeTempDir("export") + "/dump/trajectories.jsonl"
        try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let summary = try TrajectoryExporter(store: run.store).export(to: out)
        #expect(summary.exported == 3 && summary.images == 3)

        let second = try TestRun()
        _ = try TrajectoryImporter(config: second.config, store: second.store).importFile(out)
        var back: [Trajectory] = []
        try second.store.forEachTrajectory { t, _ in back.append(t) }
        #expect(back == original)
        #expect(back.map(\.id) == ["../x", "p-001", "ü/../é 👍\tid\"q"])
        let oddBack = back[2]
        #expect(oddBack.turns[0].seed == UInt64.max)
        #expect(oddBack.turns[0].score?.semantic.description == "2.5")
        #expect(oddBack.turns[0].score?.quality.description == "7")
        #expect(oddBack.turns[0].judge?.overEditing == ScoreNumber(9))
        #expect(oddBack.turns[1].score?.overall == 5.999999)
        #expect(oddBack.turns[1].executedPrompt == "Mets un chapeau rouge vif." && oddBack.turns[1].executedSeed == 9)
        #expect(oddBack.turns[1].promptRewritten && !oddBack.turns[0].promptRewritten)

        // Exporting again writes the same bytes.
        let first = try Data(contentsOf: URL(fileURLWithPath: out))
        _ = try TrajectoryExporter(store: run.store).export(to: out)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == first)
    }
}
