import Foundation
import GRDB
import Testing
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore
import ThinkEditTestSupport

/// SPEC §2.8: the data follows the config. A changed model-stage setting stops the run before any
/// call, naming the key; `--recompute` gives what a fresh run of the new config gives; `--keep`
/// keeps the old work and says the run is mixed; curation and export settings recompute alone.
@Suite struct SettingsChangeTests {
    /// A synthetic run whose config can be rewritten between runs; one store for its whole life.
    final class Run: @unchecked Sendable {
        let dir = makeTempDir("settings")
        var yaml: String
        private(set) var store: RunStore? = nil

        init(_ yaml: String = SettingsChangeTests.base) { self.yaml = yaml }

        func config() throws -> RunConfig {
            write(yaml, to: dir + "/c.yaml")
            return try RunConfig.load(path: dir + "/c.yaml")
        }

        func open() throws -> RunStore {
            if let store { return store }
            store = try RunStore.openForWriting(workdir: try config().workdir)
            return store!
        }

        /// `thinkedit run` with the policy; returns its log lines.
        @discardableResult
        func run(_ policy: SettingsPolicy = .stop) async throws -> [String] {
            let log = LogLines()
            var context = StageContext(config: try config(), store: try open()) { log.add($0) }
            context.settingsPolicy = policy
            try await RunPipeline.run(context)
            return log.all
        }

        /// `trajectories export` and every file of the export folder, as one text.
        func outputs() throws -> String {
            let out = dir + "/out-\(UUID().uuidString)/t.jsonl"
            _ = try TrajectoryExporter(store: try open()).export(to: out)
            var text = try String(contentsOfFile: out, encoding: .utf8)
            let export = try config().export.dir
            for file in (FileManager.default.enumerator(atPath: export)?.allObjects as? [String] ?? []).sorted()
            where file.hasSuffix(".jsonl") || file.hasSuffix(".md") || file.hasSuffix(".json") {
                // The card hashes the export settings, whose folder differs from run to run.
                let content = try String(contentsOfFile: export + "/" + file, encoding: .utf8)
                text += "== \(file)\n" + content.split(separator: "\n").filter { !$0.contains("export settings sha256") }.joined(separator: "\n")
            }
            return text
        }

        func counts() throws -> (trajectories: Int, turns: Int, scored: Int) {
            let s = try open().snapshot()
            return (s.trajectories.values.reduce(0, +), s.turns, s.scoredTurns)
        }
    }

    static let base = """
        workdir: work
        seed: 7
        pool: {synth: {count: 40, seed: 1, image_size: 32}}
        generation: {max_turns: 5}
        rl: {min_variance: 1.0, trajectories: 6}
        sft: {samples: 40, min_quality: 7.0}
        export: {formats: [llamafactory, editthinker-rl], image_paths: relative}
        backends:
          thinker: {kind: synthetic, concurrency: 4}
          scorer: {kind: synthetic, concurrency: 4}
          editor:
            - {kind: synthetic, name: kontext, profile: flux-kontext-dev, weight: 1, concurrency: 4}
            - {kind: synthetic, name: omni, profile: omnigen2, weight: 1, concurrency: 4}

        """

    /// What a fresh run of `yaml` gives.
    static func fresh(_ yaml: String) async throws -> String {
        let run = Run(yaml)
        try await run.run()
        return try run.outputs()
    }

    /// Runs `base`, changes it with `change`, and checks the rule: the run stops naming `key`
    /// (nothing changed meanwhile), then `--recompute` gives a fresh run's outputs.
    static func expectStopThenRecompute(_ from: String, to changed: String, key: String, stage: StageName) async throws {
        let run = Run(from)
        try await run.run()
        let before = try run.outputs()
        run.yaml = changed
        let error = await #expect(throws: SettingsChanged.self) { try await run.run() }
        #expect(error?.stage == stage)
        #expect(error?.description.contains(key) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("--recompute") == true && error?.description.contains("--keep") == true)
        #expect(try run.outputs() == before, "a stopped run changes nothing")
        let lines = try await run.run(.recompute)
        #expect(!lines.contains("\(stage): up to date"))
        #expect(try run.outputs() == (try await fresh(changed)))
        // Now the config describes the data: a rerun is up to date.
        #expect(try await run.run().allSatisfy { $0.hasSuffix("up to date") })
    }

    @Test func fewerMaxTurnsStopsThenRecomputesToAFreshRun() async throws {
        try await Self.expectStopThenRecompute(Self.base, to: Self.base.replacingOccurrences(of: "max_turns: 5", with: "max_turns: 3"),
                                               key: "max_turns: 5 → 3", stage: .generate)
    }

    @Test func moreMaxTurnsStopsThenRecomputesToAFreshRun() async throws {
        try await Self.expectStopThenRecompute(Self.base, to: Self.base.replacingOccurrences(of: "max_turns: 5", with: "max_turns: 8"),
                                               key: "max_turns: 5 → 8", stage: .generate)
    }

    @Test func anEditorsProfileOrWeightStopsTheRun() async throws {
        try await Self.expectStopThenRecompute(Self.base, to: Self.base.replacingOccurrences(of: "profile: omnigen2", with: "profile: qwen-image-edit"),
                                               key: "editors.omni.world.profile: omnigen2 → qwen-image-edit", stage: .generate)
        try await Self.expectStopThenRecompute(Self.base, to: Self.base.replacingOccurrences(of: "omnigen2, weight: 1", with: "omnigen2, weight: 3"),
                                               key: "editors.omni.weight: 1.0 → 3.0", stage: .generate)
    }

    @Test func theExpertsDialsOrFirstTurnStopTheRun() async throws {
        try await Self.expectStopThenRecompute(
            Self.base, to: Self.base.replacingOccurrences(of: "thinker: {kind: synthetic,", with: "thinker: {kind: synthetic, early_stop: 0.6,"),
            key: "expert.world.early_stop: (none) → 0.6", stage: .generate)
        let rewrite = Self.base.replacingOccurrences(of: "max_turns: 5}", with: "max_turns: 5, first_turn: rewrite}")
        try await Self.expectStopThenRecompute(Self.base, to: rewrite, key: "first_turn: original → rewrite", stage: .generate)
        // The first turns now carry the expert's reasoning, as in a fresh run.
        let run = Run(rewrite)
        try await run.run()
        var firsts: [Turn] = []
        try run.open().forEachTrajectory { t, _ in if let first = t.turns.first { firsts.append(first) } }
        #expect(!firsts.isEmpty && firsts.allSatisfy { $0.reasoning != nil })
    }

    @Test func theSeedStopsTheRunAndTheCardNamesTheSeedThatMadeTheData() async throws {
        let changed = Self.base.replacingOccurrences(of: "seed: 7", with: "seed: 8")
        try await Self.expectStopThenRecompute(Self.base, to: changed, key: "seed: 7 → 8", stage: .generate)
        let run = Run(changed)
        try await run.run()
        let card = try String(contentsOfFile: try run.config().export.dir + "/sft/README.md", encoding: .utf8)
        #expect(card.contains(", seed 8, "))
    }

    @Test func aGrownSyntheticPoolAddsItsNewItemsAndAShrunkOneStops() async throws {
        let run = Run()
        try await run.run()
        #expect(try run.counts().trajectories == 40)
        run.yaml = Self.base.replacingOccurrences(of: "count: 40", with: "count: 50")
        let lines = try await run.run()
        #expect(lines.contains { $0.hasPrefix("pool: 10 items imported") }, "\(lines)")
        #expect(try run.counts().trajectories == 50)
        #expect(try run.outputs() == (try await Self.fresh(run.yaml)))

        run.yaml = Self.base.replacingOccurrences(of: "count: 40", with: "count: 30")
        let error = await #expect(throws: SettingsChanged.self) { try await run.run() }
        #expect(error?.stage == .pool && error?.description.contains("synth.count: 50 → 30") == true)
        try await run.run(.recompute)
        #expect(try run.counts().trajectories == 30)
        #expect(try run.outputs() == (try await Self.fresh(run.yaml)))
    }

    /// An interrupted generate (some trajectories pending with turns), then `max_turns` 5 → 8.
    @Test func aChangeAfterAnInterruptedRunStopsAndKeepMakesEachTrajectoryWithOneRecord() async throws {
        let run = Run()
        try await run.run()
        let store = try run.open()
        // The state a Ctrl-C leaves: these trajectories have their first two turns, and are pending.
        try store.write { db in
            try db.execute(sql: """
                UPDATE trajectory SET status = 'pending', end_reason = NULL, stop_reasoning = NULL WHERE seq IN (SELECT seq FROM trajectory ORDER BY seq LIMIT 10);
                DELETE FROM turn WHERE turn > 2 AND trajectory IN (SELECT seq FROM trajectory WHERE status = 'pending');
                DELETE FROM split_member; DELETE FROM sample; DELETE FROM curation;
                """)
        }
        let old = try run.config().generateSettings().id
        run.yaml = Self.base.replacingOccurrences(of: "max_turns: 5", with: "max_turns: 8")
        let error = await #expect(throws: SettingsChanged.self) { try await run.run() }
        #expect(error?.description.contains("max_turns: 5 → 8") == true)

        try await run.run(.keep)
        let new = try run.config().generateSettings().id
        var made: [String: [Int]] = [:]
        try store.forEachTrajectory { t, _ in made[t.generateSettings ?? "?", default: []].append(t.turns.count) }
        // The 30 finished ones stay as the old record made them; the 10 begun ones were made anew.
        #expect(made[old]?.count == 30 && made[new]?.count == 10)
        #expect(made[old]!.allSatisfy { $0 <= 5 })
        let card = try String(contentsOfFile: try run.config().export.dir + "/sft/README.md", encoding: .utf8)
        #expect(card.contains("generate settings (mixed: 2 records)"), "\(card)")
        #expect(card.contains("`\(old)` (") && card.contains("`\(new)` ("))
        let status = try StatusReport(store: store, config: try run.config())
        #expect(status.settings.mixed && status.settings.stale.isEmpty)
        // Kept is remembered: the next run does not stop again.
        #expect(try await run.run().allSatisfy { $0.hasSuffix("up to date") })
        // And recompute after all gives the fresh run.
        try await run.run(.recompute)
        #expect(try run.outputs() == (try await Self.fresh(run.yaml)))
    }

    @Test func curationAndExportSettingsRecomputeOnTheirOwn() async throws {
        let run = Run()
        try await run.run()
        for change in [("min_variance: 1.0", "min_variance: 0.5"), ("min_quality: 7.0", "min_quality: 6.0"), ("samples: 40", "samples: 20"),
                       ("[llamafactory, editthinker-rl]", "[llamafactory]")] {
            run.yaml = run.yaml.replacingOccurrences(of: change.0, with: change.1)
            let lines = try await run.run()
            #expect(!lines.contains("export: up to date"), "\(change)")
            #expect(try run.outputs() == (try await Self.fresh(run.yaml)), "\(change)")
        }
        run.yaml += "stop_samples: false\n"
        try await run.run()
        #expect(try run.outputs() == (try await Self.fresh(run.yaml)))
    }

    @Test func everyRowAndTheManifestNameTheRecordsAndSettingsJSONHoldsThem() async throws {
        let run = Run()
        try await run.run()
        let config = try run.config()
        let g = try config.generateSettings(), s = try config.scoreSettings()
        let manifest = try String(contentsOfFile: config.export.dir + "/sft/manifest.jsonl", encoding: .utf8)
        let rows = manifest.split(separator: "\n")
        #expect(!rows.isEmpty && rows.allSatisfy { $0.hasSuffix(#""settings":{"generate":"\#(g.id)","score":"\#(s.id)"}}"#) })
        let file = try JSONParser.parse(try String(contentsOfFile: config.export.dir + "/sft/settings.json", encoding: .utf8))
        #expect(file["generate"]?[g.id] == g.value && file["score"]?[s.id] == s.value)
        let out = try run.outputs()
        #expect(out.split(separator: "\n").filter { $0.hasPrefix(#"{"id":"#) }.allSatisfy { $0.contains(#""settings":{"generate":"\#(g.id)""#) })
        // Status with the config: nothing stale, one record each.
        let status = try StatusReport(store: try run.open(), config: config)
        #expect(status.settings.generate.map(\.id) == [g.id] && status.settings.score.map(\.id) == [s.id] && !status.settings.mixed)
        #expect(status.table.contains("settings      generate: \(g.id) 40 trajectories (the config's)"))
    }

    @Test func recordsNameEveryKeyThatShapesAnswersAndNothingElse() throws {
        let run = Run()
        let a = try run.config()
        run.yaml = Self.base.replacingOccurrences(of: "concurrency: 4", with: "concurrency: 9") + "budget: {usd: 3}\n"
        let b = try run.config()
        #expect(try a.generateSettings() == b.generateSettings() && a.scoreSettings() == b.scoreSettings())
        let changes = SettingsRecord.changes(from: try a.generateSettings().value,
                                             to: try Self.changedConfig("seed: 7", "seed: 9").generateSettings().value)
        #expect(changes.map(\.description) == ["seed: 7 → 9"])
        #expect(try a.generateSettings().id.hasPrefix("g-") && a.scoreSettings().id.hasPrefix("s-") && a.poolSettings()?.id.hasPrefix("p-") == true)
    }

    static func changedConfig(_ from: String, _ to: String) throws -> RunConfig {
        let run = Run(base.replacingOccurrences(of: from, with: to))
        return try run.config()
    }
}
