import Foundation
import GRDB
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

extension GenerateStage {
    /// Generate with the expert in `mode: batch`, in rounds. A round first runs every pending
    /// trajectory online as far as it goes without the expert (its edits, its end at
    /// `max_turns`), then sends the next expert call of each in batch files, and commits the
    /// answers as the batches finish, making the edits each batch's answers ask for as soon as
    /// it is committed.
    /// Seeds are derived from (run seed, trajectory, turn) as online, and answers are read as
    /// online ones are, so given the same answers the trajectories are the same as online.
    func runBatch(_ context: StageContext, backends: BackendSet, thinker: OpenAIThinker, work: [Int64],
                  loop: GenerationLoop, inFlight: Int, budget: SpendGuard?) async throws -> Bool {
        let settings = backends.thinker.settings
        let store = context.store
        let runner = try batchRunner(context, thinker: thinker, settings: settings)
        let onlineLoop = { var l = loop; l.expertInBatch = true; return l }()
        let live = Set(work)
        var round = 0
        try runner.reserveOpenRequests(budget)
        // The edits a batch's answers ask for start as soon as that batch is committed.
        let editsOf: (BatchRow) async throws -> Void = { batch in
            let answered = try store.read { db in
                try Int64.fetchAll(db, sql: "SELECT DISTINCT trajectory FROM batch_request WHERE batch = ? AND state = ?",
                                  arguments: [batch.id, BatchRequestState.answered])
            }.filter { live.contains($0) }
            _ = await runBounded(answered, inFlight: inFlight, interruption: context.interruption) { seq in await onlineLoop.run(seq) }
        }
        while true {
            try await runner.drive(afterDone: editsOf)
            if budget?.stopped == true { return false }
            let pending = try store.read(PendingTrajectory.fetchAll).map(\.seq).filter { live.contains($0) }
            let outcome = await runBounded(pending, inFlight: inFlight, interruption: context.interruption) { seq in
                await onlineLoop.run(seq)
            }
            if outcome.interrupted { return true }
            if budget?.stopped == true { return false }
            round += 1
            let written = try await writeThinkRequests(context, thinker: thinker, settings: settings, runner: runner, live: live,
                                                       budget: budget, local: false).written
            if written == 0 && budget?.stopped != true { return false }
            context.log("generate: round \(round): \(written) expert requests written to batch files")
        }
    }

    /// The batch engine of generate: the expert's answers read and committed as online ones are.
    func batchRunner(_ context: StageContext, thinker: OpenAIThinker, settings: BackendSettings) throws -> BatchRunner<ThinkAnswer> {
        let store = context.store
        let firstTurnRewrite = context.config.generation.firstTurn == .rewrite
        return BatchRunner<ThinkAnswer>(
            stage: .generate, settings: settings, api: try BackendSet.batchAPI(settings), store: store,
            consumer: BatchConsumer(
                parse: { line, request in
                    // The request's trajectory waits for this answer, so its turns are as they were when it was sent.
                    let (original, previous) = try store.read { db -> (String, String?) in
                        let original = try String.fetchOne(db, sql: "SELECT instruction FROM trajectory WHERE seq = ?", arguments: [request.trajectory]) ?? ""
                        let previous = try String.fetchOne(db, sql: "SELECT instruction FROM turn WHERE trajectory = ? AND turn = ?",
                                                           arguments: [request.trajectory, request.turn - 1])
                        return (original, previous)
                    }
                    let answer = try thinker.answer(of: line, turn: request.turn, isRewrite: request.turn == 1 && firstTurnRewrite,
                                                    previousInstruction: previous, original: original)
                    try AnswerCheck.check(answer)
                    return (answer, answer.usage)
                },
                commit: { db, request, answer, call in
                    if answer.satisfied {
                        try RunStore.applyEnd(db, seq: request.trajectory, reason: .stop, stopReasoning: answer.reasoning, call: call)
                    } else {
                        try RunStore.applyInstruction(db, seq: request.trajectory, turn: request.turn, instruction: answer.instruction,
                                                      reasoning: answer.reasoning, call: call)
                    }
                },
                fail: { db, request, errorClass, message, call in
                    try RunStore.applyFailed(db, seq: request.trajectory, errorClass: errorClass, message: message, call: call)
                }),
            clock: context.clock, interruption: context.interruption, log: context.log,
            resume: "thinkedit generate \(context.config.file)")
    }

    /// Writes the next expert call of every pending trajectory that waits for one; returns how many.
    /// With `local`, one file for `vllm run-batch` is written and journaled as `local`.
    func writeThinkRequests(_ context: StageContext, thinker: OpenAIThinker, settings: BackendSettings,
                            runner: BatchRunner<ThinkAnswer>, live: Set<Int64>, budget: SpendGuard?, local: Bool) async throws -> BatchFileWriter {
        let store = context.store
        let maxTurns = context.config.generation.maxTurns
        let rewrite = context.config.generation.firstTurn == .rewrite
        let writer = try BatchFileWriter(stage: .generate, settings: settings, store: store, folder: try runner.folder,
                                         endpoint: runner.api.endpoint, local: local)
        var submitted = 0
        for seq in try store.read(PendingTrajectory.fetchAll).map(\.seq) where live.contains(seq) {
            let state = try store.read { try GenerationState.fetch($0, seq: seq) }
            var turn = 1
            var previous: (ImagePayload, String)? = nil
            if let last = state.turns.last {
                guard let image = last.image, last.turn < maxTurns, let format = state.imageFormats[image] else { continue }
                turn = last.turn + 1
                previous = (ImagePayload(bytes: try store.images.read(hash: image, format: format), hash: image), last.instruction)
            } else if !rewrite {
                continue
            }
            if writer.isInFlight(kind: .think, trajectory: seq, turn: turn) { continue }
            let source = ImagePayload(bytes: try store.images.read(hash: state.sourceImage.hash, format: state.sourceImage.format),
                                      hash: state.sourceImage.hash)
            let item = ItemContext(trajectoryID: state.id, task: state.task, instruction: state.instruction, source: source, meta: state.meta)
            let body = thinker.requestBody(ThinkRequest(item: item, turn: turn, previousImage: previous?.0, previousInstruction: previous?.1))
            if let budget, !budget.reserve(budget.projected(.think, estimate: { SpendGuard.estimate(settings, requestBytes: body.count, batch: true) })) {
                break
            }
            do {
                try writer.add(kind: .think, trajectory: seq, turn: turn, body: body.bytes)
            } catch let tooLarge as BatchFileWriter.TooLarge {
                try await store.markFailed(seq: seq, errorClass: .badRequest, message: """
                    the expert request for turn \(turn) is \(tooLarge.bytes) bytes, more than a batch file may hold (batch.max_file_mb); \
                    generate it online (mode: online), or send smaller images
                    """, call: nil)
                continue
            }
            if writer.files > submitted && !local {
                try await runner.submitWritten()
                submitted = writer.files
            }
        }
        try writer.finish()
        return writer
    }
}
