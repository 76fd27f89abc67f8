import Foundation
import GRDB
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// `thinkedit batch write` / `batch read`: the same batch files and journal, exchanged with an
/// offline runner (`vllm run-batch -i FILE -o RESULTS --model ...`) instead of a provider's API.
package enum LocalBatch {
    package struct Written: Sendable {
        package var requests: Int
        package var batch: Int64?
        /// Why fewer were written than were missing, when a `budget:` cap stopped the writing.
        package var capped: String? = nil
    }

    package struct Read: Sendable {
        package var stage: StageName
        package var batch: Int64
        package var answered: Int
        package var failed: Int
    }

    struct Problem: Error, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    /// Writes the stage's next requests to `file`: for score every judgement still missing, for
    /// generate (after the edits that can be made online) the next expert call of every live
    /// trajectory. Requests already out in a batch are left out. Journaled as a `local` batch.
    package static func write(_ context: StageContext, stage: StageName, to file: String) async throws -> Written {
        let backends = try BackendSet(config: context.config)
        defer { backends.cache?.flush() }
        // The caps hold here too: the editor calls made online, and the requests written (at the
        // batch price, which `batch_price` can set to what the local runner costs).
        let budget = try SpendGuard.make(stage, config: context.config, store: context.store)
        let writer: BatchFileWriter
        switch stage {
        case .score:
            guard let judge = backends.scorer.backend as? OpenAIJudge else {
                throw Problem(message: "batch write --stage score needs an openai scorer (backends.scorer.kind: openai) whose model the batch runner serves")
            }
            try SettingsGuard.adoptScore(context)
            let settings = backends.scorer.settings
            let failed = LockedSet<Int64>()
            let score = ScoreStage()
            let runner = try score.batchRunner(context, judge: judge, settings: settings, failed: failed)
            writer = try await score.writeBatchFile(context, judge: judge, settings: settings, runner: runner, failed: failed, budget: budget, local: true)
        case .generate:
            guard let thinker = backends.thinker.backend as? OpenAIThinker else {
                throw Problem(message: "batch write --stage generate needs an openai thinker (backends.thinker.kind: openai) whose model the batch runner serves")
            }
            let generate = GenerateStage()
            let store = context.store
            try SettingsGuard.adoptGenerate(context)
            _ = try store.createMissingTrajectories(include: { context.shard?.contains($0) ?? true },
                                                    settings: try context.config.generateSettings(), assign: { backends.editorName(for: $0) })
            let live = try store.read(PendingTrajectory.fetchAll).filter { context.shard?.contains($0.id) ?? true }.map(\.seq)
            // The edits the previous answers asked for, online, up to each trajectory's next expert call.
            let progress = ProgressLine(stage: .generate, total: live.count, unit: "trajectories", clock: context.clock, log: context.log)
            let runFailure = RunFailure()
            var loop = GenerationLoop(context: context, backends: backends, progress: progress, runFailure: runFailure, budget: budget)
            loop.expertInBatch = true
            let online = loop
            let width = max(1, backends.editors.values.reduce(0) { $0 + $1.settings.concurrency })
            let outcome = await runBounded(live, inFlight: width, interruption: context.interruption) { await online.run($0) }
            try runFailure.check()
            if outcome.interrupted { throw StageInterrupted(stage: .generate, step: "batch write", resume: "thinkedit batch write \(context.config.file) --stage generate \(file)") }
            let runner = try generate.batchRunner(context, thinker: thinker, settings: backends.thinker.settings)
            writer = try await generate.writeThinkRequests(context, thinker: thinker, settings: backends.thinker.settings, runner: runner,
                                                           live: Set(live), budget: budget, local: true)
        default:
            throw Problem(message: "batch write takes --stage score or --stage generate")
        }
        guard let made = writer.lastFile, writer.written > 0 else {
            if let budget, budget.stopped { throw budget.reached(store: context.store, resume: "thinkedit batch write \(context.config.file) --stage \(stage.rawValue) \(file)") }
            return Written(requests: 0, batch: nil)
        }
        do {
            try AtomicFile.write(try Data(contentsOf: URL(fileURLWithPath: made)), to: file)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.notWritable(path: file, reason: error.localizedDescription)
        }
        let id = try context.store.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM batch WHERE state = ?", arguments: [BatchState.local]) }
        var written = Written(requests: writer.written, batch: id)
        if let budget, budget.stopped {
            written.capped = budget.reached(store: context.store, resume: "thinkedit batch write \(context.config.file) --stage \(stage.rawValue) FILE").message
        }
        return written
    }

    /// Commits the results file of a local batch (`vllm run-batch`'s output), found by its
    /// custom ids. A file read before is refused; requests it does not answer are sent again by
    /// the next `batch write` while they have retries left.
    package static func read(_ context: StageContext, from file: String) async throws -> Read {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Problem(message: "cannot read \(file): \(FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file")")
        }
        var first: BatchResultLine?
        var number = 0
        for line in data.split(separator: 0x0a) where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0d || $0 == 0x09 }) {
            number += 1
            guard let parsed = BatchResultLine.parse(ArraySlice(line)) else {
                throw Problem(message: "\(file):\(number): not a batch result line (a JSON object with custom_id and response or error): is this the output of `vllm run-batch`?")
            }
            first = parsed
            break
        }
        guard let first else { throw Problem(message: "\(file) holds no result lines") }
        let store = context.store
        guard let batchID = try store.read({ db in
            try Int64.fetchOne(db, sql: "SELECT batch FROM batch_request WHERE custom_id = ?", arguments: [first.customID])
        }), let row = try store.batch(id: batchID) else {
            throw Problem(message: "\(file):\(number): custom_id \(first.customID) is not a request of this run: check the config names the run that wrote the batch file")
        }
        // A read killed while committing left the batch `downloaded`: reading again finishes it.
        guard row.state == .local || (row.state == .downloaded && row.batchID == nil) else {
            throw Problem(message: row.state == .done
                ? "\(file) answers batch \(row.id), which was read already (its answers are committed); nothing to do"
                : "\(file) answers batch \(row.id), which was sent to the provider's API, not written for a local runner")
        }
        let backends = try BackendSet(config: context.config)
        switch row.stage {
        case .score:
            guard let judge = backends.scorer.backend as? OpenAIJudge else { throw Problem(message: "the config's scorer is not an openai backend") }
            let runner = try ScoreStage().batchRunner(context, judge: judge, settings: backends.scorer.settings, failed: LockedSet<Int64>())
            try await runner.readLocal(row, results: file)
        case .generate:
            guard let thinker = backends.thinker.backend as? OpenAIThinker else { throw Problem(message: "the config's thinker is not an openai backend") }
            let runner = try GenerateStage().batchRunner(context, thinker: thinker, settings: backends.thinker.settings)
            try await runner.readLocal(row, results: file)
        default:
            throw Problem(message: "batch \(row.id) belongs to stage \(row.stage), which has no batch mode")
        }
        let counts = try store.read { db in
            try Row.tally(db, sql: "SELECT state AS key, count(*) AS n FROM batch_request WHERE batch = ? GROUP BY state", arguments: [row.id],
                          as: BatchRequestState.self)
        }
        return Read(stage: row.stage, batch: row.id, answered: counts[.answered] ?? 0, failed: counts[.failed] ?? 0)
    }
}
