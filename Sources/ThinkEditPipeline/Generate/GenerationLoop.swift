import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditImaging
import ThinkEditStore

/// The loop of one trajectory, from whatever state the database holds to its end.
struct GenerationLoop: Sendable {
    let context: StageContext
    let backends: BackendSet
    let progress: ProgressLine
    let runFailure: RunFailure
    /// Batch mode: the loop stops where it would call the expert, whose calls go in batches.
    var expertInBatch = false
    /// The stage's spending cap, if the config sets one.
    var budget: SpendGuard? = nil

    var store: RunStore { context.store }
    var maxTurns: Int { context.config.generation.maxTurns }

    func run(_ seq: Int64) async {
        do {
            var state = try store.read { try GenerationState.fetch($0, seq: seq) }
            guard let editor = backends.editors[state.editor] else {
                try await store.markFailed(seq: seq, errorClass: .refused,
                                     message: "editor \(state.editor) is not in the config's backends.editor", call: nil)
                progress.add(failed: 1)
                return
            }
            let source = ImagePayload(bytes: try store.images.read(hash: state.sourceImage.hash, format: state.sourceImage.format),
                                      hash: state.sourceImage.hash)
            let item = ItemContext(trajectoryID: state.id, task: state.task, instruction: state.instruction, source: source, meta: state.meta)
            // The edit this loop just stored, kept for the expert's next call instead of read back.
            var lastEdit: ImagePayload? = nil
            while true {
                if context.interruption.isStopping || Task.isCancelled { return }
                guard let last = state.turns.last else {
                    if context.config.generation.firstTurn == .rewrite {
                        if expertInBatch { return }
                        let answer = try await think(state, item, turn: 1, previous: nil)
                        try await store.commitInstruction(seq: seq, turn: 1, instruction: answer.0.instruction, reasoning: answer.0.reasoning, call: answer.1)
                        state.turns.append(Turn(turn: 1, instruction: answer.0.instruction, reasoning: answer.0.reasoning, image: nil))
                    } else {
                        let edited = try await edit(state, item, editor, turn: 1, instruction: state.instruction, reasoning: nil)
                        state.turns.append(edited.turn)
                        state.imageFormats[edited.image.hash] = edited.image.format
                        lastEdit = edited.payload
                    }
                    continue
                }
                guard let lastImage = last.image else {
                    let edited = try await edit(state, item, editor, turn: last.turn, instruction: last.instruction, reasoning: last.reasoning)
                    state.turns[state.turns.count - 1] = edited.turn
                    state.imageFormats[edited.image.hash] = edited.image.format
                    lastEdit = edited.payload
                    continue
                }
                if last.turn >= maxTurns {
                    try await store.commitEnd(seq: seq, reason: .maxTurns, stopReasoning: nil, call: nil)
                    progress.add(done: 1)
                    return
                }
                guard let lastFormat = state.imageFormats[lastImage] else {
                    throw StoreError.corrupt(path: store.databasePath, reason: "image \(lastImage) of \(state.id) turn \(last.turn) is not in the image table")
                }
                if expertInBatch { return }
                let previous = try lastEdit.flatMap { $0.hash == lastImage ? $0 : nil }
                    ?? ImagePayload(bytes: store.images.read(hash: lastImage, format: lastFormat), hash: lastImage)
                lastEdit = nil
                let (answer, call) = try await think(state, item, turn: last.turn + 1, previous: (previous, last.instruction))
                if answer.satisfied {
                    try await store.commitEnd(seq: seq, reason: .stop, stopReasoning: answer.reasoning, call: call)
                    progress.add(done: 1)
                    return
                }
                try await store.commitInstruction(seq: seq, turn: last.turn + 1, instruction: answer.instruction, reasoning: answer.reasoning, call: call)
                state.turns.append(Turn(turn: last.turn + 1, instruction: answer.instruction, reasoning: answer.reasoning, image: nil))
            }
        } catch {
            await handleWorkError(error, runFailure: runFailure, interruption: context.interruption) { failure in
                try? await store.markFailed(seq: seq, errorClass: failure.errorClass, message: failure.message, call: failure.call)
                progress.add(failed: 1)
            }
        }
    }

    private func think(_ state: GenerationState, _ item: ItemContext, turn: Int,
                       previous: (ImagePayload, String)?) async throws -> (ThinkAnswer, CallRecord) {
        let request = ThinkRequest(item: item, turn: turn, previousImage: previous?.0, previousInstruction: previous?.1)
        let hash = ContentHash.sha256Hex("think|\(state.id)|\(turn)|\(previous?.0.hash ?? "")|\(previous?.1 ?? "")")
        let member = backends.thinker
        let site = CallSite(stage: .generate, backend: member.settings.name, kind: .think, trajectory: state.seq, turn: turn, requestHash: hash)
        return try await timedCall(site, through: member, clock: context.clock, journal: { try? store.recordCall($0) }, budget: budget,
                                   cached: backends.cachedThink(member.cacheScope, request)) {
            let answer = try await member.backend.think(request)
            try AnswerCheck.check(answer)
            return (answer, answer.usage)
        }
    }

    private func edit(_ state: GenerationState, _ item: ItemContext, _ editor: BackendSet.Member<any Editor>, turn: Int,
                      instruction: String, reasoning: String?) async throws -> (turn: Turn, image: ImageRecord, payload: ImagePayload) {
        let seed = Derivation.editorSeed(runSeed: context.config.seed, trajectory: state.id, turn: turn)
        let request = EditRequest(item: item, turn: turn, instruction: instruction, seed: seed)
        let hash = ContentHash.sha256Hex("edit|\(state.id)|\(turn)|\(instruction)|\(seed)")
        let limits = ImageLimits(maxPixels: context.config.images.maxPixels)
        let cached = backends.cachedEdit(editor.cacheScope, request)
        let site = CallSite(stage: .generate, backend: editor.settings.name, kind: .edit, trajectory: state.seq, turn: turn, requestHash: hash)
        let ((record, result), call) = try await timedCall(site, through: editor, clock: context.clock, journal: { try? store.recordCall($0) },
                                                           budget: budget, cached: cached) {
            let result = try await editor.backend.edit(request)
            let info: ImageInfo
            do {
                info = try CPUMeter.measure(.imageChecks) { try ImageCodec.check(result.image, name: "edit of \(state.id) turn \(turn)", limits: limits) }
            } catch {
                throw UnusableAnswer(reason: "the editor's image is unusable: \(error)")
            }
            let record = ImageRecord(hash: ContentHash.sha256Hex(result.image), format: info.format,
                                     width: info.width, height: info.height, bytes: result.image.count)
            return ((record, result), result.usage)
        }
        var made = Turn(turn: turn, instruction: instruction, reasoning: reasoning, image: record.hash, seed: seed)
        made.executedPrompt = result.executedPrompt
        made.executedSeed = result.executedSeed
        let hit = call.outcome == .cached
        // A cached image is linked into the run, a new one linked into the cache: stored once.
        try await store.commitEdit(seq: state.seq, turn: made, image: record, bytes: result.image, call: call,
                                   linkingFrom: hit ? cached?.cache.images : nil)
        if !hit { cached?.keep((record, result), linkingFrom: store.images) }
        return (made, record, ImagePayload(bytes: result.image, hash: record.hash))
    }
}
