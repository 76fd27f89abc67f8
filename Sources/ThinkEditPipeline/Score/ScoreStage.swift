import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// `thinkedit score` (SPEC §2.3): every edited image of a complete trajectory is judged against the
/// source and the ORIGINAL instruction `T` — semantic (two numbers) and quality (two numbers), two
/// calls, each committed as it arrives; SC = min, PQ = min, O = sqrt(SC·PQ).
package struct ScoreStage: PipelineStage {
    /// Backends to use instead of the config's (tests).
    var backends: BackendSet?

    package init() {}
    package init(backends: BackendSet, pageSize: Int = 4096) {
        self.backends = backends
        self.pageSize = pageSize
    }
    package var name: StageName { .score }
    package var inputs: [StageName] { [.generate] }
    package var callsModels: Bool { true }

    package func fingerprint(_ context: StageContext) throws -> String {
        StageRunner.fingerprint(["score/2", try context.config.scoreSettings().id, context.shard?.description ?? "all",
                                 String(try workCount(context))])
    }

    package func checkSettings(_ context: StageContext) throws { try SettingsGuard.checkScore(context) }
    /// Also stamps the record on every edit still to judge, generate's new turns included.
    package func adoptSettings(_ context: StageContext) throws { try SettingsGuard.adoptScore(context) }

    /// Images left to score (in this shard).
    private func workCount(_ context: StageContext) throws -> Int {
        let ids = try context.store.read(ScoreWork.trajectoryIDs)
        guard let shard = context.shard else { return ids.count }
        return ids.lazy.filter { shard.contains($0) }.count
    }

    /// The work is read a page at a time, so memory does not grow with the run.
    var pageSize = 4096

    package func run(_ context: StageContext) async throws -> StageResult {
        let backends = try self.backends ?? BackendSet(config: context.config)
        defer { backends.cache?.flush() }
        let total = try workCount(context)
        let progress = ProgressLine(stage: .score, total: total, unit: "images", clock: context.clock, log: context.log)
        let scorer = backends.scorer
        let store = context.store
        let failed = LockedSet<Int64>()  // trajectories whose scoring failed in this run
        let runFailure = RunFailure()
        let budget = try SpendGuard.make(.score, config: context.config, store: store)
        // Requests out in a batch (an API one, or a local file for `vllm run-batch`) are not sent again.
        let inFlight = try store.inFlightBatchKeys(stage: .score)
        var interrupted = false
        if scorer.settings.mode == .batch {
            guard let judge = scorer.backend as? OpenAIJudge else {
                throw BackendSetupError(backend: "backends.scorer (\(scorer.settings.name))", "mode batch needs kind openai")
            }
            try await runBatch(context, judge: judge, settings: scorer.settings, failed: failed, budget: budget)
        } else {
            progress.begin()
        }
        var after: (seq: Int64, turn: Int)?
        while !interrupted && scorer.settings.mode == .online {
            let page = try store.read { try ScoreWork.page($0, after: after, limit: pageSize) }
            guard let last = page.last else { break }
            after = (last.seq, last.turn)
            var work = page
            if let shard = context.shard { work = work.filter { shard.contains($0.trajectoryID) } }
            interrupted = try await score(work, backends: backends, store: store, failed: failed, runFailure: runFailure,
                                          progress: progress, context: context, budget: budget, inFlight: inFlight)
            if budget?.stopped == true { break }
        }
        if scorer.settings.mode == .online { progress.end() }
        try runFailure.check()
        if interrupted {
            throw StageInterrupted(stage: .score, resume: "thinkedit score \(context.config.file)")
        }
        if let budget, budget.stopped { throw budget.reached(store: context.store, resume: "thinkedit score \(context.config.file)") }
        let s = try context.store.snapshot()
        return StageResult(
            counts: [("images", total), ("scored_turns", s.scoredTurns), ("turns", s.turns), ("failed_trajectories", failed.count)],
            summary: "\(s.scoredTurns) of \(s.turns) turns scored" + (failed.count > 0 ? "; scoring failed for \(failed.count) trajectories" : ""),
            finalFingerprint: try fingerprint(context))
    }

    /// Scores one page of work, many images in flight; true when a Ctrl-C stopped it.
    private func score(_ work: [ScoreWork], backends: BackendSet, store: RunStore, failed: LockedSet<Int64>,
                       runFailure: RunFailure, progress: ProgressLine, context: StageContext, budget: SpendGuard?,
                       inFlight: Set<String>) async throws -> Bool {
        let scorer = backends.scorer
        // A trajectory's turns are next to each other in the work and scored side by side: its
        // source is read and encoded once for them.
        let sources = SharedImages()
        let outcome = await runBounded(work.indices.map { Int64($0) }, inFlight: scorer.settings.concurrency * 2,
                                       interruption: context.interruption) { index in
            let w = work[Int(index)]
            if failed.contains(w.seq) { return }
            do {
                let source = try sources.acquire(w.sourceImage.hash) { try store.images.read(hash: w.sourceImage.hash, format: w.sourceImage.format) }
                defer { sources.release(w.sourceImage.hash) }
                let edited = ImagePayload(bytes: try store.images.read(hash: w.image.hash, format: w.image.format), hash: w.image.hash)
                let item = ItemContext(trajectoryID: w.trajectoryID, task: w.task, instruction: w.instruction, source: source, meta: w.meta)
                for aspect in JudgeAspect.allCases where aspect == .semantic ? w.needsSemantic : w.needsQuality {
                    if inFlight.contains(BatchRequestKey(kind: .judge(aspect), trajectory: w.seq, turn: w.turn).text) { continue }
                    if context.interruption.isStopping || Task.isCancelled { return }
                    let request = JudgeRequest(item: item, turn: w.turn, edited: edited, aspect: aspect)
                    let hash = ContentHash.sha256Hex("judge|\(aspect.rawValue)|\(w.trajectoryID)|\(w.turn)|\(w.image.hash)")
                    let site = CallSite(stage: .score, backend: scorer.settings.name, kind: .judge(aspect), trajectory: w.seq, turn: w.turn, requestHash: hash)
                    let (answer, call) = try await timedCall(site, through: scorer, clock: context.clock, journal: { try? store.recordCall($0) },
                                                             budget: budget, cached: backends.cachedJudge(scorer.cacheScope, request)) {
                        let answer = try await scorer.backend.judge(request)
                        try AnswerCheck.check(answer)
                        return (answer, answer.usage)
                    }
                    try await store.commitJudgement(seq: w.seq, turn: w.turn, semantic: aspect == .semantic,
                                              scores: (answer.scores[0], answer.scores[1]), reasoning: answer.reasoning, call: call)
                    progress.add(tokens: call.promptTokens + call.completionTokens, cost: call.cost)
                }
                progress.add(done: 1)
            } catch {
                await handleWorkError(error, runFailure: runFailure, interruption: context.interruption) { failure in
                    failed.insert(w.seq)
                    try? await store.markScoreFailed(seq: w.seq, errorClass: failure.errorClass, message: failure.message, call: failure.call)
                    progress.add(failed: 1)
                }
            }
        }
        return outcome.interrupted
    }
}

