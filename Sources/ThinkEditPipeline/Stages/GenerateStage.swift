import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditImaging
import ThinkEditStore

/// `thinkedit generate` (SPEC §2.2): the think-while-edit loop over every pool item. Many
/// trajectories are in flight at once, each bounded by its backends' concurrency; every completed
/// call is committed before the next call of its trajectory is sent, so a rerun after a crash
/// continues from the last committed call and never repeats one.
public struct GenerateStage: PipelineStage {
    /// Backends to use instead of the config's (tests).
    var backends: BackendSet?

    public init() {}
    init(backends: BackendSet) { self.backends = backends }
    public var name: StageName { .generate }
    public var upstream: [any PipelineStage] { [] }

    /// Generation is done when no trajectory is pending; the fingerprint carries the settings and
    /// the data version, so new pool items or a retry make it run again.
    public func fingerprint(_ context: StageContext) throws -> String {
        let c = context.config
        // The synthetic dials join the text only when set, so runs made before they existed keep
        // their fingerprints.
        func world(_ b: BackendSettings) -> String { b.world.fingerprint.isEmpty ? "" : ":" + b.world.fingerprint }
        let editors = c.backends.editors.map { "\($0.name)=\($0.kind.rawValue):\($0.model ?? ""):\($0.weight)\(world($0))" }.joined(separator: ",")
        return StageRunner.fingerprint([
            "generate/1", String(c.seed), String(c.generation.maxTurns), c.generation.firstTurn.rawValue, editors,
            "\(c.backends.thinker.kind.rawValue):\(c.backends.thinker.model ?? "")\(world(c.backends.thinker))"
                + (try BackendSet.promptFingerprint(c.backends.thinker, config: c)), context.shard?.description ?? "all",
            String(try context.store.poolCount()), String(try context.store.pendingTrajectories().count),
        ])
    }

    public func run(_ context: StageContext) async throws -> StageResult {
        let backends = try self.backends ?? BackendSet(config: context.config)
        // A shard's work directory starts from the config's pool like a one-process run does.
        try RunPipeline.importPoolIfNeeded(context)
        // A shard holds only its own trajectories, so that `merge` can take every complete
        // trajectory of every shard without sorting out the others' pending ones.
        let shard = context.shard
        let created = try context.store.createMissingTrajectories(include: { shard?.contains($0) ?? true },
                                                                  assign: { backends.editorName(for: $0) })
        if created > 0 { context.log("generate: \(created) new trajectories from the pool") }
        var work = try context.store.pendingTrajectories()
        if let shard { work = work.filter { shard.contains($0.id) } }
        let progress = ProgressLine(stage: "generate", total: work.count, unit: "trajectories", clock: context.clock, log: context.log)
        let runFailure = RunFailure()
        let loop = GenerationLoop(context: context, backends: backends, progress: progress, runFailure: runFailure)
        let inFlight = max(1, backends.editors.values.reduce(0) { $0 + $1.settings.concurrency } + backends.thinker.settings.concurrency)
        progress.begin()
        let outcome = await runBounded(work.map(\.seq), inFlight: inFlight, interruption: context.interruption) { seq in
            await loop.run(seq)
        }
        progress.end()
        try runFailure.check()
        if outcome.interrupted {
            throw StageInterrupted(stage: "generate", resume: "thinkedit generate \(context.config.file)")
        }
        let s = try context.store.snapshot()
        let failed = s.trajectories["failed"] ?? 0
        return StageResult(
            counts: [("trajectories", s.trajectories.values.reduce(0, +)), ("complete", s.trajectories["complete"] ?? 0),
                     ("pending", s.trajectories["pending"] ?? 0), ("failed", failed), ("turns", s.turns)],
            summary: "\(outcome.finished) trajectories worked on; \(s.trajectories["complete"] ?? 0) complete, \(failed) failed" +
                (failed > 0 ? " (thinkedit retry-failed puts them back)" : ""),
            finalFingerprint: try fingerprint(context))
    }
}

/// Runs `body` over `items` with at most `inFlight` at once; stops taking new items when the
/// interruption asks, and cancels what is left once its grace period is over.
func runBounded(_ items: [Int64], inFlight: Int, interruption: Interruption,
                _ body: @escaping @Sendable (Int64) async -> Void) async -> (finished: Int, interrupted: Bool) {
    var finished = 0
    await withTaskGroup(of: Bool.self) { group in
        // The watchdog ends the grace period of a Ctrl-C by cancelling the calls still in flight.
        group.addTask {
            do {
                try await interruption.waitForGraceToExpire()
                return true
            } catch {
                return false
            }
        }
        var next = 0
        var running = 0
        func addNext() -> Bool {
            guard !interruption.isStopping, next < items.count else { return false }
            let seq = items[next]
            next += 1
            group.addTask { await body(seq); return false }
            return true
        }
        while running < inFlight, addNext() { running += 1 }
        while running > 0, let isWatchdog = await group.next() {
            if isWatchdog {
                group.cancelAll()
                continue
            }
            running -= 1
            finished += 1
            if addNext() { running += 1 }
        }
        group.cancelAll()
    }
    return (finished, interruption.isStopping)
}

/// The loop of one trajectory, from whatever state the database holds to its end.
struct GenerationLoop: Sendable {
    let context: StageContext
    let backends: BackendSet
    let progress: ProgressLine
    let runFailure: RunFailure

    var store: RunStore { context.store }
    var maxTurns: Int { context.config.generation.maxTurns }

    func run(_ seq: Int64) async {
        do {
            var state = try store.generationState(seq: seq)
            guard let editor = backends.editors[state.editor] else {
                try store.markFailed(seq: seq, errorClass: .refused,
                                     message: "editor \(state.editor) is not in the config's backends.editor", call: nil)
                progress.add(failed: 1)
                return
            }
            let source = ImagePayload(bytes: try store.images.read(hash: state.sourceImage.hash, format: state.sourceImage.format),
                                      hash: state.sourceImage.hash)
            let item = ItemContext(trajectoryID: state.id, task: state.task, instruction: state.instruction, source: source, meta: state.meta)
            while true {
                if context.interruption.isStopping || Task.isCancelled { return }
                guard let last = state.turns.last else {
                    if context.config.generation.firstTurn == .rewrite {
                        let answer = try await think(state, item, turn: 1, previous: nil)
                        try store.commitInstruction(seq: seq, turn: 1, instruction: answer.0.instruction, reasoning: answer.0.reasoning, call: answer.1)
                        state.turns.append(Turn(turn: 1, instruction: answer.0.instruction, reasoning: answer.0.reasoning, image: ""))
                    } else {
                        state.turns.append(try await edit(state, item, editor, turn: 1, instruction: state.instruction, reasoning: nil))
                    }
                    continue
                }
                if last.image.isEmpty {
                    state.turns[state.turns.count - 1] = try await edit(state, item, editor, turn: last.turn, instruction: last.instruction,
                                                                        reasoning: last.reasoning)
                    continue
                }
                if last.turn >= maxTurns {
                    try store.commitEnd(seq: seq, reason: .maxTurns, stopReasoning: nil, call: nil)
                    progress.add(done: 1)
                    return
                }
                let previous = ImagePayload(bytes: try store.images.read(hash: last.image, format: state.imageFormats[last.image] ?? "png"),
                                            hash: last.image)
                let (answer, call) = try await think(state, item, turn: last.turn + 1, previous: (previous, last.instruction))
                if answer.satisfied {
                    try store.commitEnd(seq: seq, reason: .stop, stopReasoning: answer.reasoning, call: call)
                    progress.add(done: 1)
                    return
                }
                try store.commitInstruction(seq: seq, turn: last.turn + 1, instruction: answer.instruction, reasoning: answer.reasoning, call: call)
                state.turns.append(Turn(turn: last.turn + 1, instruction: answer.instruction, reasoning: answer.reasoning, image: ""))
            }
        } catch is CancellationError {
            return
        } catch let failure as StoreError {
            runFailure.report(failure, stopping: context.interruption)
        } catch let failure as CallFailure {
            try? store.markFailed(seq: seq, errorClass: failure.errorClass, message: failure.message, call: failure.call)
            progress.add(failed: 1)
        } catch {
            try? store.markFailed(seq: seq, errorClass: error.journalClass, message: "\(error)", call: nil)
            progress.add(failed: 1)
        }
    }

    private func think(_ state: GenerationState, _ item: ItemContext, turn: Int,
                       previous: (ImagePayload, String)?) async throws -> (ThinkAnswer, CallRecord) {
        let request = ThinkRequest(item: item, turn: turn, previousImage: previous?.0, previousInstruction: previous?.1)
        let hash = ContentHash.sha256Hex("think|\(state.id)|\(turn)|\(previous?.0.hash ?? "")|\(previous?.1 ?? "")")
        let member = backends.thinker
        return try await timedCall(stage: "generate", backend: member.settings.name, kind: "think", seq: state.seq, turn: turn,
                                   requestHash: hash, limiter: member.limiter, price: member.cost,
                                   journal: { try? store.recordCall($0) }) {
            let answer = try await member.backend.think(request)
            guard !answer.instruction.isBlank || answer.satisfied else {
                throw CallFailure.parse("the expert gave an empty instruction")
            }
            return (answer, answer.usage)
        }
    }

    private func edit(_ state: GenerationState, _ item: ItemContext, _ editor: BackendSet.Member<any Editor>, turn: Int,
                      instruction: String, reasoning: String?) async throws -> Turn {
        let seed = Derivation.editorSeed(runSeed: context.config.seed, trajectory: state.id, turn: turn)
        let request = EditRequest(item: item, turn: turn, instruction: instruction, seed: seed)
        let hash = ContentHash.sha256Hex("edit|\(state.id)|\(turn)|\(instruction)|\(seed)")
        let limits = ImageLimits(maxPixels: context.config.images.maxPixels)
        let ((record, bytes), call) = try await timedCall(stage: "generate", backend: editor.settings.name, kind: "edit", seq: state.seq,
                                                           turn: turn, requestHash: hash, limiter: editor.limiter, price: editor.cost,
                                                           journal: { try? store.recordCall($0) }) {
            let result = try await editor.backend.edit(request)
            let info: ImageInfo
            do {
                info = try ImageCodec.validate(result.image, name: "edit of \(state.id) turn \(turn)", limits: limits)
            } catch {
                throw CallFailure.parse("the editor's image is unusable: \(error)")
            }
            let record = ImageRecord(hash: ContentHash.sha256Hex(result.image), format: info.format.rawValue,
                                     width: info.width, height: info.height, bytes: result.image.count)
            return ((record, result.image), result.usage)
        }
        try store.images.put(bytes, hash: record.hash, format: record.format)
        try store.commitEdit(seq: state.seq, turn: turn, instruction: instruction, image: record, seed: seed, call: call)
        return Turn(turn: turn, instruction: instruction, reasoning: reasoning, image: record.hash, seed: seed)
    }
}

/// A model call that failed for good, with its journal row.
struct CallFailure: Error, ClassifiedError, CustomStringConvertible {
    var errorClass: CallErrorClass
    var message: String
    var call: CallRecord?

    static func parse(_ message: String) -> CallFailure { CallFailure(errorClass: .parse, message: message, call: nil) }
    var description: String { message }
}

/// Runs one call under its backend's limit, timing it and journaling its outcome. The drivers'
/// reliability layer reports every attempt; the attempts it will retry go to `journal` at once
/// (`store.recordCall`), the final one becomes the returned record, committed with the result.
func timedCall<T: Sendable>(stage: String, backend: String, kind: String, seq: Int64, turn: Int, requestHash: String,
                            limiter: AsyncSemaphore, price: @escaping @Sendable (Usage?) -> Double,
                            journal: (@Sendable (CallRecord) -> Void)? = nil,
                            _ body: @escaping @Sendable () async throws -> (T, Usage?)) async throws -> (T, CallRecord) {
    let start = DispatchTime.now().uptimeNanoseconds
    func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
    let attempts = AttemptRecorder { report in
        journal?(CallRecord(stage: stage, backend: backend, kind: kind, trajectorySeq: seq, turn: turn, requestHash: requestHash,
                            attempt: report.attempt, outcome: report.outcome, errorClass: report.errorClass,
                            httpStatus: report.httpStatus, latencyMs: report.latencyMs))
    }
    do {
        let (value, usage) = try await AttemptJournal.$observer.withValue(attempts) {
            try await limiter.withPermit { try await body() }
        }
        try Task.checkCancellation()
        let last = attempts.last
        let record = CallRecord(stage: stage, backend: backend, kind: kind, trajectorySeq: seq, turn: turn, requestHash: requestHash,
                                attempt: last?.attempt ?? 1, outcome: "ok", httpStatus: last?.httpStatus,
                                promptTokens: usage?.promptTokens ?? 0, completionTokens: usage?.completionTokens ?? 0,
                                cost: price(usage), latencyMs: elapsed())
        return (value, record)
    } catch is CancellationError {
        throw CancellationError()
    } catch var failure as CallFailure {
        failure.call = CallRecord(stage: stage, backend: backend, kind: kind, trajectorySeq: seq, turn: turn, requestHash: requestHash,
                                  attempt: attempts.last?.attempt ?? 1, outcome: "error", errorClass: failure.errorClass,
                                  latencyMs: elapsed())
        throw failure
    } catch {
        let cls = error.journalClass
        let last = attempts.last
        throw CallFailure(errorClass: cls, message: "\(kind) call to \(backend) failed: \(error)",
                          call: CallRecord(stage: stage, backend: backend, kind: kind, trajectorySeq: seq, turn: turn,
                                           requestHash: requestHash, attempt: last?.attempt ?? 1, outcome: "error", errorClass: cls,
                                           httpStatus: last?.httpStatus, latencyMs: elapsed()))
    }
}

/// The attempt observer a stage installs around one call: retried attempts go straight to the
/// journal; the final attempt is remembered for the record committed with the call's result.
final class AttemptRecorder: AttemptObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var finalAttempt: AttemptReport?
    private let retried: @Sendable (AttemptReport) -> Void

    init(retried: @escaping @Sendable (AttemptReport) -> Void) { self.retried = retried }

    func record(_ attempt: AttemptReport) {
        if attempt.isFinal {
            lock.lock()
            finalAttempt = attempt
            lock.unlock()
        } else {
            retried(attempt)
        }
    }

    var last: AttemptReport? {
        lock.lock()
        defer { lock.unlock() }
        return finalAttempt
    }
}
