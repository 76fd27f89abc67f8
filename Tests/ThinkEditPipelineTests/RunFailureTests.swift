import Foundation
import Testing
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// A failure of the run itself (its store cannot be written or is damaged) is not a trajectory's
/// failure: the stage stops with the store's message, records no item as failed, is not marked
/// done, and a rerun once the cause is gone finishes the work.
@Suite struct RunFailureTests {
    /// Puts a plain file in place of every two-hex-digit folder of the image store that does not
    /// exist yet, so that storing a new image fails (as a full disk would) even for root.
    static func blockImageStore(_ run: TestRun) -> [String] {
        var blockers: [String] = []
        for i in 0..<256 {
            let path = run.store.images.root + "/" + String(format: "%02x", i)
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: Data())
                blockers.append(path)
            }
        }
        return blockers
    }

    @Test func anImageStoreThatCannotBeWrittenStopsGenerateAndMarksNoTrajectoryFailed() async throws {
        let run = try GenerationTests.run(count: 6, extra: "generation: {max_turns: 2}\n")
        let blockers = Self.blockImageStore(run)
        let log = CallLog()
        do {
            try await StageRunner.run(GenerateStage(backends: GenerationTests.backends(log)), GenerationTests.context(run))
            Issue.record("generate succeeded although no edit could be stored")
        } catch let error as StoreError {
            guard case .notWritable(let path, _) = error else {
                Issue.record("expected notWritable, got \(error)")
                return
            }
            #expect(path.hasPrefix(run.store.images.root))
        }
        var s = try run.store.snapshot()
        #expect(s.trajectories[.failed] == nil)
        #expect((s.trajectories[.pending] ?? 0) > 0)
        #expect(try run.store.latestStageRuns()[.generate]?.status == .failed)

        for path in blockers { try FileManager.default.removeItem(atPath: path) }
        try await StageRunner.run(GenerateStage(backends: GenerationTests.backends(log)), GenerationTests.context(run))
        s = try run.store.snapshot()
        #expect(s.trajectories == [.complete: 6])
        #expect(try run.store.latestStageRuns()[.generate]?.status == .done)
    }

    @Test func anImageMissingFromTheStoreStopsScoreWithItsPathAndRecordsNoScoringFailure() async throws {
        let run = try GenerationTests.run(count: 3, extra: "generation: {max_turns: 2}\n")
        let log = CallLog()
        try await StageRunner.run(GenerateStage(backends: GenerationTests.backends(log)), GenerationTests.context(run))
        let edited = try #require(try GenerationTests.trajectories(run).first?.turns.first?.image)
        let file = run.store.images.path(hash: edited, format: .png)
        try FileManager.default.removeItem(atPath: file)
        do {
            try await StageRunner.run(ScoreStage(backends: GenerationTests.backends(log)), GenerationTests.context(run))
            Issue.record("score succeeded although an image is missing")
        } catch let error as StoreError {
            #expect("\(error)".contains(file))
        }
        let s = try run.store.snapshot()
        #expect(s.failures.isEmpty)
        #expect(try run.store.latestStageRuns()[.score]?.status == .failed)
    }

    @Test func aFullDiskIsNamedAsSuch() {
        #expect(StoreError.reason(errno: ENOSPC).hasPrefix("the disk is full"))
        #expect(!StoreError.reason(errno: EACCES).contains("disk is full"))
    }
}
