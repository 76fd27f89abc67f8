import Foundation
import GRDB
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

extension ScoreStage {
    /// Score with `mode: batch`: every unscored image's judge calls go into batch files, which are
    /// carried through the Batches API and committed as they come back; requests that failed with
    /// retries left go into the next round's files. Answers are parsed and committed as online
    /// ones are, at batch prices.
    func runBatch(_ context: StageContext, judge: OpenAIJudge, settings: BackendSettings, failed: LockedSet<Int64>,
                  budget: SpendGuard?) async throws {
        let runner = try batchRunner(context, judge: judge, settings: settings, failed: failed)
        try runner.reserveOpenRequests(budget)
        while true {
            try await runner.drive()
            if let budget, budget.stopped { throw budget.reached(store: context.store, resume: "thinkedit score \(context.config.file)") }
            let written = try await writeBatchRequests(context, judge: judge, settings: settings, runner: runner, failed: failed, budget: budget)
            if written == 0 && budget?.stopped != true { return }
            context.log("score: \(written) judge requests written to batch files")
        }
    }

    /// The batch engine of score: answers read and committed as online ones are.
    func batchRunner(_ context: StageContext, judge: OpenAIJudge, settings: BackendSettings, failed: LockedSet<Int64>) throws
        -> BatchRunner<JudgeAnswer> {
        BatchRunner<JudgeAnswer>(
            stage: .score, settings: settings, api: try BackendSet.batchAPI(settings), store: context.store,
            consumer: BatchConsumer(
                parse: { line, _ in
                    let answer = try judge.answer(of: line)
                    try AnswerCheck.check(answer)
                    return (answer, answer.usage)
                },
                commit: { db, request, answer, call in
                    try RunStore.applyJudgement(db, seq: request.trajectory, turn: request.turn, semantic: request.kind == .judgeSemantic,
                                                scores: (answer.scores[0], answer.scores[1]), reasoning: answer.reasoning, call: call)
                },
                fail: { db, request, errorClass, message, call in
                    failed.insert(request.trajectory)
                    try RunStore.applyScoreFailure(db, seq: request.trajectory, errorClass: errorClass, message: message, call: call)
                }),
            clock: context.clock, interruption: context.interruption, log: context.log,
            resume: "thinkedit score \(context.config.file)")
    }

    /// Writes a request for every judgement still missing; returns how many.
    /// Each file is submitted as soon as it is whole, so the provider works while the rest is written.
    /// With `local`, one file for `vllm run-batch` is written and journaled as `local`; returns
    /// how many requests, and the writer (which knows the file).
    func writeBatchRequests(_ context: StageContext, judge: OpenAIJudge, settings: BackendSettings, runner: BatchRunner<JudgeAnswer>,
                            failed: LockedSet<Int64>, budget: SpendGuard?, local: Bool = false) async throws -> Int {
        try await writeBatchFile(context, judge: judge, settings: settings, runner: runner, failed: failed, budget: budget, local: local).written
    }

    func writeBatchFile(_ context: StageContext, judge: OpenAIJudge, settings: BackendSettings, runner: BatchRunner<JudgeAnswer>,
                        failed: LockedSet<Int64>, budget: SpendGuard?, local: Bool) async throws -> BatchFileWriter {
        let store = context.store
        let writer = try BatchFileWriter(stage: .score, settings: settings, store: store, folder: try runner.folder,
                                         endpoint: runner.api.endpoint, local: local)
        var after: (seq: Int64, turn: Int)?
        var submitted = 0
        // A trajectory's turns come one after the other: its source is read and encoded once for them.
        var source: ImagePayload?
        pages: while true {
            let page = try store.read { try ScoreWork.page($0, after: after, limit: pageSize) }
            guard let last = page.last else { break }
            after = (last.seq, last.turn)
            for w in page where context.shard?.contains(w.trajectoryID) ?? true {
                if failed.contains(w.seq) { continue }
                let current: ImagePayload
                if let held = source, held.hash == w.sourceImage.hash {
                    current = held
                } else {
                    current = ImagePayload(bytes: try store.images.read(hash: w.sourceImage.hash, format: w.sourceImage.format), hash: w.sourceImage.hash)
                    source = current
                }
                let edited = ImagePayload(bytes: try store.images.read(hash: w.image.hash, format: w.image.format), hash: w.image.hash)
                let item = ItemContext(trajectoryID: w.trajectoryID, task: w.task, instruction: w.instruction, source: current, meta: w.meta)
                for aspect in JudgeAspect.allCases where aspect == .semantic ? w.needsSemantic : w.needsQuality {
                    if writer.isInFlight(kind: .judge(aspect), trajectory: w.seq, turn: w.turn) { continue }
                    let body = judge.requestBody(JudgeRequest(item: item, turn: w.turn, edited: edited, aspect: aspect))
                    if let budget, !budget.reserve(budget.projected(.judge(aspect), estimate: {
                        SpendGuard.estimate(settings, requestBytes: body.count, batch: true)
                    })) {
                        break pages
                    }
                    do {
                        try writer.add(kind: .judge(aspect), trajectory: w.seq, turn: w.turn, body: body.bytes)
                        if writer.files > submitted && !local {
                            try await runner.submitWritten()
                            submitted = writer.files
                        }
                    } catch let tooLarge as BatchFileWriter.TooLarge {
                        failed.insert(w.seq)
                        try await store.markScoreFailed(seq: w.seq, errorClass: .badRequest, message: """
                            the judge request for turn \(w.turn) is \(tooLarge.bytes) bytes, more than a batch file may hold \
                            (batch.max_file_mb); score it online (mode: online), or send smaller images
                            """, call: nil)
                        break
                    }
                }
            }
        }
        try writer.finish()
        return writer
    }
}
