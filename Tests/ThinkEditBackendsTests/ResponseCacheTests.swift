import Foundation
import GRDB
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore
import ThinkEditTestSupport

/// SPEC §2.8 against `thinkedit-fake-server` (whose answers depend on the model asked and on every
/// byte of the prompt): a changed judge or generation setting stops the run, `--recompute` gives a
/// fresh run's data and sends only the requests never answered before, and runs sharing a
/// response cache pay for nothing twice.
@Suite struct ResponseCacheTests {
    typealias Server = FakeModelServerTests.Server

    /// A run against the server, whose config can be rewritten; `cache` names a shared folder.
    final class Run: @unchecked Sendable {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-cache-\(UUID().uuidString)").path
        var yaml: String
        private var opened: RunStore? = nil

        init(_ server: Server, cache: String, maxTurns: Int = 5, judge: String = "fake", seed: Int = 4, count: Int = 16) {
            yaml = """
                workdir: run
                seed: \(seed)
                cache: \(cache)
                pool: {synth: {count: \(count), seed: 2, image_size: 32}}
                generation: {max_turns: \(maxTurns)}
                rl: {min_variance: 1.0, trajectories: 4}
                sft: {samples: 20}
                export: {formats: [llamafactory], image_paths: relative}
                backends:
                  thinker: {kind: openai, name: expert, base_url: "\(server.url)/v1", model: fake, concurrency: 4, max_retries: 0, timeout_seconds: 30}
                  scorer: {kind: openai, name: judge, base_url: "\(server.url)", model: \(judge), concurrency: 4, max_retries: 0, timeout_seconds: 30}
                  editor: {kind: editthinker-http, name: fake-editor, endpoints: ["\(server.url)"], concurrency: 4, max_retries: 0, timeout_seconds: 30}

                """
        }

        func config() throws -> RunConfig {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try yaml.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
            return try RunConfig.load(path: dir + "/c.yaml")
        }

        var store: RunStore {
            get throws {
                if let opened { return opened }
                opened = try RunStore.openForWriting(workdir: try config().workdir)
                return opened!
            }
        }

        func run(_ policy: SettingsPolicy = .stop) async throws {
            var context = StageContext(config: try config(), store: try store) { _ in }
            context.settingsPolicy = policy
            try await RunPipeline.run(context)
        }

        /// `trajectories export` and the SFT manifest, as one text.
        func outputs() throws -> String {
            let out = dir + "/out-\(UUID().uuidString)/t.jsonl"
            _ = try TrajectoryExporter(store: try store).export(to: out)
            return try String(contentsOfFile: out, encoding: .utf8)
                + (try String(contentsOfFile: try config().export.dir + "/sft/manifest.jsonl", encoding: .utf8))
        }

        /// Journaled calls by outcome (`ok`, `cached`, `error`).
        func calls() throws -> [String: Int] {
            try store.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT outcome, count(*) AS n FROM call GROUP BY outcome").map {
                    ($0["outcome"] as String, $0["n"] as Int)
                })
            }
        }
    }

    /// Requests the server answered, by kind.
    static func answered(_ server: Server) async throws -> (expert: Int, judge: Int, edit: Int) {
        let s = try await server.stats()
        return (FakeModelServerTests.int(s["expert"]?["ok"]), FakeModelServerTests.int(s["judge"]?["ok"]), FakeModelServerTests.int(s["edit"]?["ok"]))
    }

    static func total(_ c: (expert: Int, judge: Int, edit: Int)) -> Int { c.expert + c.judge + c.edit }

    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-cachedir-\(UUID().uuidString)").path
    }

    /// Changes a run's config, checks that it stops naming `key` and sends nothing, recomputes, and
    /// checks the result against a fresh run of the new config (with a cache of its own). Returns
    /// the requests the recompute sent, by kind.
    static func changeThenRecompute(_ server: Server, maxTurns: Int = 5, key: String, _ change: (Run) -> Void, fresh: Run) async throws
        -> (expert: Int, judge: Int, edit: Int) {
        let cache = folder()
        let run = Run(server, cache: cache, maxTurns: maxTurns)
        try await run.run()
        change(run)
        let before = try await answered(server)
        let error = await #expect(throws: SettingsChanged.self) { try await run.run() }
        #expect(error?.description.contains(key) == true, "\(error?.description ?? "no error")")
        #expect(try await answered(server) == before, "a stopped run sends nothing")
        let entries = try ResponseCache.open(folder: cache).count()
        try await run.run(.recompute)
        let after = try await answered(server)
        let sent = (expert: after.expert - before.expert, judge: after.judge - before.judge, edit: after.edit - before.edit)
        // Each request sent was new and sent once: it left one new entry in the cache.
        let added = try ResponseCache.open(folder: cache).count() - entries
        let journal = try run.calls()
        #expect(added == total(sent), "\(added) entries added, \(sent) sent, calls \(journal)")
        try await fresh.run()
        #expect(try run.outputs() == fresh.outputs())
        // A third run of the same config sharing the first run's cache sends nothing at all.
        let third = Run(server, cache: cache, maxTurns: maxTurns)
        change(third)
        let beforeThird = try await answered(server)
        try await third.run()
        #expect(try await answered(server) == beforeThird)
        #expect(try third.outputs() == run.outputs())
        return sent
    }

    /// The fake expert is satisfied early (a quarter of the items stop after one edit), so the
    /// runs start at 2 turns: most trajectories reach it, and a longer run has new turns to pay.
    @Test func moreTurnsPayOnlyTheNewTurnsAndFewerNothing() async throws {
        let server = try Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let longer = try await Self.changeThenRecompute(server, maxTurns: 2, key: "max_turns: 2 → 4", {
            $0.yaml = $0.yaml.replacingOccurrences(of: "max_turns: 2", with: "max_turns: 4")
        }, fresh: Run(server, cache: Self.folder(), maxTurns: 4))
        #expect(longer.edit > 0 && longer.expert > 0, "turns 3 and 4 are new")
        let shorter = try await Self.changeThenRecompute(server, maxTurns: 4, key: "max_turns: 4 → 2", {
            $0.yaml = $0.yaml.replacingOccurrences(of: "max_turns: 4", with: "max_turns: 2")
        }, fresh: Run(server, cache: Self.folder(), maxTurns: 2))
        #expect(Self.total(shorter) == 0, "every request of a 2-turn run was answered in the 4-turn run")
    }

    @Test func aJudgeModelOrPromptChangeRejudgesAndSendsOnlyJudgeCalls() async throws {
        let server = try Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let model = try await Self.changeThenRecompute(server, key: "judge.model: fake → fake-2", {
            $0.yaml = $0.yaml.replacingOccurrences(of: "model: fake, concurrency: 4, max_retries: 0, timeout_seconds: 30}\n  editor",
                                                   with: "model: fake-2, concurrency: 4, max_retries: 0, timeout_seconds: 30}\n  editor")
        }, fresh: Run(server, cache: Self.folder(), judge: "fake-2"))
        #expect(model.judge > 0 && model.expert == 0 && model.edit == 0)

        // One word of the judge's prompt, through a prompts folder beside the config.
        let prompts = { (run: Run) in
            let folder = run.dir + "/prompts"
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let text = (BuiltInPrompts.text(named: "judge_system.txt") ?? "").replacingOccurrences(of: "image", with: "picture")
            try? text.write(toFile: folder + "/judge_system.txt", atomically: true, encoding: .utf8)
        }
        let fresh = Run(server, cache: Self.folder())
        prompts(fresh)
        let prompt = try await Self.changeThenRecompute(server, key: "judge.prompts.system", prompts, fresh: fresh)
        #expect(prompt.judge > 0 && prompt.expert == 0 && prompt.edit == 0)
    }

    @Test func aSeedChangeSendsNewEdits() async throws {
        let server = try Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let sent = try await Self.changeThenRecompute(server, key: "seed: 4 → 5", {
            $0.yaml = $0.yaml.replacingOccurrences(of: "seed: 4", with: "seed: 5")
        }, fresh: Run(server, cache: Self.folder(), seed: 5))
        #expect(sent.edit > 0)
    }

    @Test func twoRunsSharingACacheSendNothingTheSecondTimeAndStatusCountsTheHits() async throws {
        let server = try Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let cache = Self.folder()
        let first = Run(server, cache: cache)
        try await first.run()
        let before = try await Self.answered(server)
        // Calls whose request another call of the run had sent already are answered from the cache.
        let calls = try first.calls()
        #expect(Self.total(before) == calls["ok"])
        let all = (calls["ok"] ?? 0) + (calls["cached"] ?? 0)
        let second = Run(server, cache: cache)
        try await second.run()
        #expect(try await Self.answered(server) == before)
        #expect(try second.outputs() == first.outputs())
        let status = try StatusReport(store: try second.store, config: try second.config())
        #expect(status.snapshot.calls == 0 && status.snapshot.cachedCalls == all && status.snapshot.cost == 0)
        #expect(status.table.contains("0; \(all) answered from the response cache"))
        // `cache: off`: the same run sends every request again, the repeated ones included.
        let third = Run(server, cache: "off")
        try await third.run()
        #expect(Self.total(try await Self.answered(server)) == Self.total(before) + all)
        #expect(!FileManager.default.fileExists(atPath: third.dir + "/run/cache"))
    }

    /// The judge's model changed while a score was interrupted: the run stops; `--keep` keeps the
    /// turns the old judge scored, judges the rest with the new one, and says the run is mixed.
    @Test func aJudgeChangedDuringAnInterruptedScoreStopsAndKeepIsMixedAndCounted() async throws {
        let server = try Server(["--delay-ms", "0"])
        defer { _ = server.stop() }
        let run = Run(server, cache: Self.folder())
        try await run.run()
        let oldJudge = try run.config().scoreSettings().id
        // What an interrupted score leaves: half of the turns unscored.
        let (total, cleared) = try run.store.write { db -> (Int, Int) in
            try db.execute(sql: """
                UPDATE turn SET semantic = NULL, quality = NULL, overall = NULL, overall_given = NULL, sc_success = NULL, sc_overedit = NULL,
                    semantic_reasoning = NULL, pq_natural = NULL, pq_artifacts = NULL, quality_reasoning = NULL WHERE trajectory % 2 = 0
                """)
            return (try Int.fetchOne(db, sql: "SELECT count(*) FROM turn")!, db.changesCount)
        }
        #expect(cleared > 0 && cleared < total)
        run.yaml = run.yaml.replacingOccurrences(of: "model: fake, concurrency: 4, max_retries: 0, timeout_seconds: 30}\n  editor",
                                                 with: "model: fake-2, concurrency: 4, max_retries: 0, timeout_seconds: 30}\n  editor")
        let error = await #expect(throws: SettingsChanged.self) { try await run.run() }
        #expect(error?.stage == .score && error?.description.contains("judge.model: fake → fake-2") == true)
        try await run.run(.keep)
        let newJudge = try run.config().scoreSettings().id
        let usage = try run.store.scoreSettingsUsage()
        #expect(usage.first { $0.id == oldJudge }?.turns == total - cleared)
        #expect(usage.first { $0.id == newJudge }?.turns == cleared)
        let status = try StatusReport(store: try run.store, config: try run.config())
        #expect(status.settings.mixed && status.settings.stale.isEmpty)
        let rows = try run.outputs().split(separator: "\n")
        #expect(rows.contains { $0.contains(#""score":"\#(oldJudge)""#) } && rows.contains { $0.contains(#""score":"\#(newJudge)""#) })
    }
}
