import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditImaging
import ThinkEditStore

/// `thinkedit generate` (SPEC §2.2): the think-while-edit loop over every pool item. Many
/// trajectories are in flight at once, each bounded by its backends' concurrency; every completed
/// call is committed before the next call of its trajectory is sent, so a rerun after a crash
/// continues from the last committed call and never repeats one.
package struct GenerateStage: PipelineStage {
    /// Backends to use instead of the config's (tests).
    var backends: BackendSet?

    package init() {}
    package init(backends: BackendSet) { self.backends = backends }
    package var name: StageName { .generate }
    package var inputs: [StageName] { [.pool] }
    package var callsModels: Bool { true }

    /// Generation is done when no trajectory is pending; the fingerprint carries the settings
    /// record and the work left, so new pool items or a retry make it run again.
    package func fingerprint(_ context: StageContext) throws -> String {
        StageRunner.fingerprint([
            "generate/2", try context.config.generateSettings().id, context.shard?.description ?? "all",
            String(try context.store.poolCount()), String(try context.store.read(PendingTrajectory.fetchAll).count),
        ])
    }

    package func checkSettings(_ context: StageContext) throws { try SettingsGuard.checkGenerate(context) }
    package func adoptSettings(_ context: StageContext) throws { try SettingsGuard.adoptGenerate(context) }

    package func run(_ context: StageContext) async throws -> StageResult {
        let backends = try self.backends ?? BackendSet(config: context.config)
        defer { backends.cache?.flush() }
        // A shard holds only its own trajectories, so that `merge` can take every complete
        // trajectory of every shard without sorting out the others' pending ones.
        let shard = context.shard
        let created = try context.store.createMissingTrajectories(include: { shard?.contains($0) ?? true },
                                                                  settings: try context.config.generateSettings(),
                                                                  assign: { backends.editorName(for: $0) })
        if created > 0 { context.log("generate: \(created) new trajectories from the pool") }
        var work = try context.store.read(PendingTrajectory.fetchAll)
        if let shard { work = work.filter { shard.contains($0.id) } }
        // A trajectory whose expert call is out in a batch (an API one, or a local file for
        // `vllm run-batch`) waits for that answer.
        let waiting = try context.store.trajectoriesWithBatchRequestsOut(stage: .generate)
        if !waiting.isEmpty && backends.thinker.settings.mode == .online { work = work.filter { !waiting.contains($0.seq) } }
        let progress = ProgressLine(stage: .generate, total: work.count, unit: "trajectories", clock: context.clock, log: context.log)
        let runFailure = RunFailure()
        let budget = try SpendGuard.make(.generate, config: context.config, store: context.store)
        let loop = GenerationLoop(context: context, backends: backends, progress: progress, runFailure: runFailure, budget: budget)
        // Half as many trajectories again as the backends have call slots: with exactly as many,
        // every trajectory between two calls (committing, being scheduled) leaves a slot idle;
        // with the spare ones each backend's queue stays full. A waiting trajectory holds its
        // source image in memory, hence not more.
        let slots = backends.editors.values.reduce(0) { $0 + $1.settings.concurrency } + backends.thinker.settings.concurrency
        let inFlight = max(1, slots + slots / 2)
        progress.begin()
        let interrupted: Bool
        if backends.thinker.settings.mode == .batch {
            guard let thinker = backends.thinker.backend as? OpenAIThinker else {
                throw BackendSetupError(backend: "backends.thinker (\(backends.thinker.settings.name))", "mode batch needs kind openai")
            }
            interrupted = try await runBatch(context, backends: backends, thinker: thinker, work: work.map(\.seq), loop: loop, inFlight: inFlight,
                                             budget: budget)
        } else {
            interrupted = await runBounded(work.map(\.seq), inFlight: inFlight, interruption: context.interruption) { seq in
                await loop.run(seq)
            }.interrupted
        }
        progress.end()
        try runFailure.check()
        if interrupted {
            throw StageInterrupted(stage: .generate, resume: "thinkedit generate \(context.config.file)")
        }
        if let budget, budget.stopped { throw budget.reached(store: context.store, resume: "thinkedit generate \(context.config.file)") }
        let s = try context.store.snapshot()
        let failed = s.trajectories[.failed] ?? 0
        return StageResult(
            counts: [("trajectories", s.trajectories.values.reduce(0, +)), ("complete", s.trajectories[.complete] ?? 0),
                     ("pending", s.trajectories[.pending] ?? 0), ("failed", failed), ("turns", s.turns)],
            summary: "\(work.count) trajectories worked on; \(s.trajectories[.complete] ?? 0) complete, \(failed) failed" +
                (failed > 0 ? " (thinkedit retry-failed puts them back)" : ""),
            finalFingerprint: try fingerprint(context))
    }
}
