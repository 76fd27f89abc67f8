import Foundation
import Testing
@testable import ThinkEditCore
@testable import ThinkEditImaging
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// `thinkedit merge`: shards' runs into one, every id once, all or nothing, idempotent, and equal
/// to a one-process run.
@Suite struct MergeTests {
    /// A synthetic config in `dir`: 12 items, small images, three turns at most. Kept small: the
    /// suites run in parallel, and CrashResumeTests times its kills with `Task.sleep`, which a busy
    /// cooperative pool delays.
    static func syntheticConfig(_ dir: String) -> String {
        write("""
            workdir: single
            seed: 5
            pool: {synth: {count: 12, seed: 2, image_size: 32}}
            generation: {max_turns: 3}
            rl: {min_variance: 0.5, trajectories: 3}
            sft: {samples: 10}
            backends:
              thinker: {kind: synthetic, concurrency: 2}
              scorer: {kind: synthetic, concurrency: 2}
              editor: {kind: synthetic, concurrency: 2}
            """, to: dir + "/c.yaml")
        return dir + "/c.yaml"
    }

    /// Generates and scores shard `shard` of the config's pool in `workdir`; the store is closed on return.
    static func runShard(_ configPath: String, workdir: String, shard: Shard) async throws {
        let config = try RunConfig.load(path: configPath, workdir: workdir)
        let store = try RunStore.openForWriting(workdir: config.workdir)
        let context = StageContext(config: config, store: store, shard: shard) { _ in }
        try await StageRunner.run(GenerateStage(), context)
        try await StageRunner.run(ScoreStage(), context)
    }

    static func exportBytes(_ store: RunStore, _ dir: String) throws -> Data {
        _ = try TrajectoryExporter(store: store).export(to: dir + "/t.jsonl")
        return try Data(contentsOf: URL(fileURLWithPath: dir + "/t.jsonl"))
    }

    /// Counts that must not depend on how the run was produced.
    static func counts(_ s: RunSnapshot) -> [String: Int] {
        ["pool": s.poolItems, "images": s.images, "complete": s.trajectories[.complete] ?? 0, "all": s.trajectories.values.reduce(0, +),
         "turns": s.turns, "scored": s.scoredTurns, "calls": s.calls, "kept": s.kept, "samples": s.samples,
         "sft": s.split[.sft] ?? 0, "rl": s.split[.rl] ?? 0, "prompt_tokens": s.promptTokens]
    }

    /// Shards made with different settings (one of them with `max_turns: 2`) are refused, naming
    /// the records and the key; `--keep` merges them, keeps every record and the run is mixed;
    /// merging again needs no flag.
    @Test func shardsMadeWithDifferentSettingsAreRefusedUnlessKept() async throws {
        let dir = makeTempDir("merge-settings")
        let configPath = Self.syntheticConfig(dir)
        try await Self.runShard(configPath, workdir: dir + "/shards/0", shard: Shard(index: 0, count: 2))
        let other = dir + "/other"
        write(try String(contentsOfFile: configPath, encoding: .utf8).replacingOccurrences(of: "max_turns: 3", with: "max_turns: 2"),
              to: other + "/c.yaml")
        try await Self.runShard(other + "/c.yaml", workdir: dir + "/shards/1", shard: Shard(index: 1, count: 2))
        let config = try RunConfig.load(path: configPath)
        let target = try RunStore.openForWriting(workdir: config.workdir)
        let shards = [dir + "/shards/0", dir + "/shards/1"]
        let error = #expect(throws: MergeError.self) { try ShardMerge(target: target) { _ in }.merge(shards) }
        #expect(error?.description.contains("max_turns: 3 → 2") == true || error?.description.contains("max_turns: 2 → 3") == true,
                "\(error?.description ?? "")")
        #expect(try target.trajectoryCount() == 0, "nothing was merged")
        try ShardMerge(target: target) { _ in }.merge(shards, keep: true)
        #expect(try target.generateSettingsUsage().count == 2)
        #expect(try target.generateSettingsUsage().allSatisfy(\.kept))
        #expect(try SettingsStatus(store: target, config: nil).mixed)
        // The same shards again: present already, nothing refused.
        let again = try ShardMerge(target: target) { _ in }.merge(shards)
        #expect(again.trajectoriesAdded == 0 && again.trajectoriesPresent == 12)
    }

    @Test func mergedThreeShardsEqualAOneProcessRun() async throws {
        let dir = makeTempDir("merge")
        let configPath = Self.syntheticConfig(dir)
        let config = try RunConfig.load(path: configPath)
        let single = try RunStore.openForWriting(workdir: config.workdir)
        try await RunPipeline.run(StageContext(config: config, store: single) { _ in })

        var shardDirs: [String] = []
        for i in 0..<3 {
            let shardDir = dir + "/shards/\(i)"
            try await Self.runShard(configPath, workdir: shardDir, shard: Shard(index: i, count: 3))
            shardDirs.append(shardDir)
            // A shard's run holds its own shard's trajectories only, all of them complete.
            let shardStore = try RunStore.openForReading(workdir: shardDir)
            var ids: [String] = []
            try shardStore.forEachTrajectory { t, _ in ids.append(t.id) }
            #expect(!ids.isEmpty)
            #expect(ids.allSatisfy { Shard(index: i, count: 3).contains($0) })
            #expect(try shardStore.snapshot().trajectories.keys.map(\.rawValue).sorted() == ["complete"])
        }

        let merged = try RunStore.openForWriting(workdir: dir + "/merged")
        let summary = try ShardMerge(target: merged) { _ in }.merge(shardDirs)
        #expect(summary.trajectoriesAdded == 12)
        #expect(summary.leftBehind.isEmpty)
        let mergedConfig = try RunConfig.load(path: configPath, workdir: dir + "/merged")
        try await RunPipeline.run(StageContext(config: mergedConfig, store: merged) { _ in })

        let a = try Self.exportBytes(single, dir + "/out-single")
        let b = try Self.exportBytes(merged, dir + "/out-merged")
        #expect(!a.isEmpty)
        #expect(a == b)
        #expect(Self.counts(try single.snapshot()) == Self.counts(try merged.snapshot()))
        let splitA = try single.read(SplitMember.fetchAll).map { "\($0.trajectory)#\($0.turn) \($0.split)" }
        let splitB = try merged.read(SplitMember.fetchAll).map { "\($0.trajectory)#\($0.turn) \($0.split)" }
        #expect(!splitA.isEmpty)
        #expect(splitA == splitB)
        #expect(try merged.repeatedCompletedCalls() == 0)
    }

    // MARK: - Hand-made shards

    /// A run in `dir` holding the given complete trajectories (one turn each); the source image
    /// of each is a PNG of `source` colour, the turn image of `edit` colour.
    static func makeRun(_ dir: String, _ items: [(id: String, instruction: String, source: UInt8, edit: UInt8)]) throws {
        let store = try RunStore.openForWriting(workdir: dir)
        var records: [ImageRecord] = []
        func image(_ shade: UInt8) throws -> String {
            let bytes = try ImageCodec.encodePNG(RGBImage(width: 4, height: 4, fill: (shade, 0, 0)))
            let hash = ContentHash.sha256Hex(bytes)
            try store.images.put(bytes, hash: hash, format: .png)
            records.append(ImageRecord(hash: hash, format: .png, width: 4, height: 4, bytes: bytes.count))
            return hash
        }
        var trajectories: [Trajectory] = []
        for item in items {
            let source = try image(item.source)
            let edited = try image(item.edit)
            trajectories.append(Trajectory(
                id: item.id, task: "color_alter", instruction: item.instruction, sourceImage: source, editor: "e", endReason: .maxTurns,
                turns: [Turn(turn: 1, instruction: item.instruction, image: edited, score: Score(semantic: ScoreNumber(6), quality: ScoreNumber(8)))]))
        }
        _ = try store.insertTrajectories(images: records, trajectories: trajectories)
    }

    @Test func everyTrajectoryIdLandsOnceAndSharedImagesAreStoredOnce() throws {
        let dir = makeTempDir("merge-ids")
        try Self.makeRun(dir + "/s0", [("a", "make it red", 10, 20), ("b", "make it blue", 10, 30)])
        try Self.makeRun(dir + "/s1", [("c", "make it green", 10, 40), ("b", "make it blue", 10, 30)])
        let target = try RunStore.openForWriting(workdir: dir + "/t")
        let summary = try ShardMerge(target: target) { _ in }.merge([dir + "/s0", dir + "/s1"])
        #expect(summary.trajectoriesAdded == 3)
        #expect(summary.trajectoriesPresent == 1)
        var ids: [String] = []
        try target.forEachTrajectory { t, _ in ids.append(t.id) }
        #expect(ids == ["a", "b", "c"])
        // Shade 10 is every trajectory's source: one row, one file; four distinct images in all.
        let s = try target.snapshot()
        #expect(s.images == 4)
        #expect(s.turns == 3)
        let files = FileManager.default.enumerator(atPath: target.images.root)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".png") } ?? []
        #expect(files.count == 4)
        let t = try #require(try target.trajectories(ids: ["c"])["c"])
        #expect(try target.images.read(hash: try #require(t.turns[0].image), format: .png).count > 0)
    }

    @Test func aConflictingIdIsListedAndNothingIsWritten() throws {
        let dir = makeTempDir("merge-conflict")
        try Self.makeRun(dir + "/s0", [("a", "make it red", 10, 20), ("b", "make it blue", 10, 30)])
        try Self.makeRun(dir + "/s1", [("b", "make it BLUE", 10, 30), ("c", "make it green", 11, 40)])
        let target = try RunStore.openForWriting(workdir: dir + "/t")
        let before = try target.snapshot()
        #expect(throws: MergeError.self) { try ShardMerge(target: target) { _ in }.merge([dir + "/s0", dir + "/s1"]) }
        do {
            try ShardMerge(target: target) { _ in }.merge([dir + "/s0", dir + "/s1"])
        } catch MergeError.conflicts(let list) {
            #expect(list.map(\.id) == ["b"])
            #expect(list[0].against == dir + "/s0")
            #expect("\(MergeError.conflicts(list))".contains("trajectory b"))
        }
        #expect(try target.snapshot() == before)
        #expect(!FileManager.default.fileExists(atPath: target.images.root))

        // Against what the target already holds: s1 differs from the run s0 was merged into.
        try ShardMerge(target: target) { _ in }.merge([dir + "/s0"])
        let afterFirst = try target.snapshot()
        do {
            try ShardMerge(target: target) { _ in }.merge([dir + "/s1"])
            Issue.record("the conflict was not reported")
        } catch MergeError.conflicts(let list) {
            #expect(list.map(\.id) == ["b"])
            #expect(list[0].against == nil)
        }
        #expect(try target.snapshot() == afterFirst)
    }

    @Test func mergingTheSameShardsTwiceChangesNothing() throws {
        let dir = makeTempDir("merge-again")
        try Self.makeRun(dir + "/s0", [("a", "make it red", 10, 20)])
        try Self.makeRun(dir + "/s1", [("b", "make it blue", 12, 30)])
        let target = try RunStore.openForWriting(workdir: dir + "/t")
        try ShardMerge(target: target) { _ in }.merge([dir + "/s0", dir + "/s1"])
        let first = try target.snapshot()
        let again = try ShardMerge(target: target) { _ in }.merge([dir + "/s1", dir + "/s0", dir + "/s0/"])
        #expect(again.trajectoriesAdded == 0)
        #expect(again.trajectoriesPresent == 2)
        #expect(again.imagesAdded == 0 && again.poolItemsAdded == 0 && again.callsAdded == 0)
        #expect(try target.snapshot() == first)
    }

    @Test func onlyCompleteTrajectoriesAreTakenAndTheRestIsCounted() throws {
        let dir = makeTempDir("merge-pending")
        try Self.makeRun(dir + "/s0", [("a", "make it red", 10, 20)])
        do {
            // The shard's store (and its lock) goes at the end of this block.
            let shard = try RunStore.openForWriting(workdir: dir + "/s0")
            let source = try #require(try shard.trajectories(ids: ["a"])["a"])
            let pending = Trajectory(id: "p", task: "color_alter", instruction: "make it pink", sourceImage: source.sourceImage, editor: "e",
                                     status: .pending)
            var failed = pending
            failed.id = "f"
            failed.status = .failed
            failed.errorClass = .timeout
            _ = try shard.insertTrajectories(images: [], trajectories: [pending, failed], origin: .generated)
        }

        let target = try RunStore.openForWriting(workdir: dir + "/t")
        let summary = try ShardMerge(target: target) { _ in }.merge([dir + "/s0"])
        #expect(summary.trajectoriesAdded == 1)
        #expect(summary.leftBehind == [.pending: 1, .failed: 1])
        #expect(try target.snapshot().trajectories == [.complete: 1])
    }

    @Test func aShardStillBeingWrittenIsRefused() throws {
        let dir = makeTempDir("merge-running")
        try Self.makeRun(dir + "/s0", [("a", "make it red", 10, 20)])
        let running = try RunStore.openForWriting(workdir: dir + "/s0")
        let target = try RunStore.openForWriting(workdir: dir + "/t")
        try withExtendedLifetime(running) {
            do {
                try ShardMerge(target: target) { _ in }.merge([dir + "/s0"])
                Issue.record("a locked shard was merged")
            } catch MergeError.shardRunning(let shard, _) {
                #expect(shard == dir + "/s0")
            }
        }
        #expect(try target.trajectoryCount() == 0)
        #expect(throws: MergeError.self) { try ShardMerge(target: target) { _ in }.merge([dir + "/t"]) }
    }
}
