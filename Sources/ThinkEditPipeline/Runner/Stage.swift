import Foundation
import Synchronization
import ThinkEditCore
import ThinkEditStore

/// What every stage gets: the run's config, its open store, and where to say what it does.
package struct StageContext: Sendable {
    package let config: RunConfig
    package let store: RunStore
    package let log: @Sendable (String) -> Void
    /// Ctrl-C handling for the stages that call models.
    package var interruption: Interruption
    /// `--shard i/n`: generate and score only the items of shard `index`.
    package var shard: Shard?
    /// The clock the progress line and the stage timings read.
    package var clock: AnyClock
    /// What a model stage does when the config's settings differ from its stored work's
    /// (`--recompute`, `--keep`; SPEC §2.8).
    package var settingsPolicy: SettingsPolicy = .stop
    /// Stages already brought up to date by this process, so that a stage reached again through
    /// another's upstream is not checked (and reported) twice.
    let settled = LockedSet<StageName>()

    package init(config: RunConfig, store: RunStore, interruption: Interruption = Interruption(), shard: Shard? = nil,
                clock: AnyClock = .continuous, log: @escaping @Sendable (String) -> Void) {
        self.clock = clock
        self.config = config
        self.store = store
        self.interruption = interruption
        self.shard = shard
        self.log = log
    }
}

/// `--shard i/n`: this process works on the pool items whose stable hash falls in shard `index`.
package struct Shard: Sendable, Hashable, CustomStringConvertible {
    package var index: Int
    package var count: Int

    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n` with 0 <= i < n.
    package init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n > 0, (0..<n).contains(i) else { return nil }
        self.init(index: i, count: n)
    }

    package func contains(_ id: String) -> Bool { Derivation.shard(item: id, count: count) == index }
    package var description: String { "\(index)/\(count)" }
}

/// How a stage run ended: ordered counts for `status`, optional statistics (JSON) and a line for
/// the user.
package struct StageResult: Sendable {
    package var counts: [(String, Int)]
    var statsJSON: String?
    package var summary: String
    /// Set by stages whose fingerprint depends on the work left (generate, score): the fingerprint
    /// of the state they leave, so that a rerun with nothing left is recognised as up to date.
    var finalFingerprint: String?

    init(counts: [(String, Int)], statsJSON: String? = nil, summary: String, finalFingerprint: String? = nil) {
        self.counts = counts
        self.statsJSON = statsJSON
        self.summary = summary
        self.finalFingerprint = finalFingerprint
    }

    var countsJSON: String {
        JSONValue.object(counts.map { ($0.0, .integer(Int64($0.1))) }).canonicalText
    }
}

/// One step of the pipeline. Every stage has the same shape, so the runner (and `run`) stays
/// ignorant of what a stage does: a name, a fingerprint of everything its output depends on, and
/// a body. A finished stage whose fingerprint has not changed is not run again.
package protocol PipelineStage: Sendable {
    var name: StageName { get }
    /// The stages whose output this one reads: the one declaration of the stage graph. The
    /// runner brings those that call no model up to date first (a model stage runs only when
    /// asked: its own command, or `run`); what a stage's new output makes stale, and the part of
    /// each fingerprint that stands for the stage's inputs, follow from it (`StageGraph`).
    var inputs: [StageName] { get }
    /// The stage calls models (generate, score): it is never run just because another reads it,
    /// and its output reaches fingerprints through the run's data version.
    var callsModels: Bool { get }
    /// The tables this stage's output fills. A stage that replaces its output writes it through
    /// `StageContext.replaceOutput`, which clears these and every downstream stage's tables in
    /// the same transaction. Stages that add to their output as they go (generate, score) and
    /// stages that write files (export) declare none.
    var produces: [OutputTable] { get }
    /// Hash of the settings and inputs the output depends on.
    func fingerprint(_ context: StageContext) throws -> String
    /// Model stages: throws `SettingsChanged` when the config's settings differ from those of the
    /// stored work and the policy is to stop. Reads only; `run` asks every stage before any call.
    func checkSettings(_ context: StageContext) throws
    /// Model stages: makes the stored work follow the config's settings under the context's
    /// policy (after `checkSettings` passed), before the fingerprint is taken.
    func adoptSettings(_ context: StageContext) throws
    func run(_ context: StageContext) async throws -> StageResult
}

extension PipelineStage {
    package var produces: [OutputTable] { [] }
    package var callsModels: Bool { false }
    package func checkSettings(_ context: StageContext) throws {}
    package func adoptSettings(_ context: StageContext) throws {}
}

/// A set shared by concurrent tasks of one stage run.
package final class LockedSet<Element: Hashable & Sendable>: Sendable {
    private let elements = Mutex(Set<Element>())
    package init() {}
    package func insert(_ e: Element) { _ = elements.withLock { $0.insert(e) } }
    package func contains(_ e: Element) -> Bool { elements.withLock { $0.contains(e) } }
    var count: Int { elements.withLock { $0.count } }
}

/// Runs stages, skipping those whose last run finished with the same fingerprint.
package enum StageRunner {
    package enum Outcome: Sendable {
        case upToDate(String)
        case ran(StageResult)
    }

    /// Brings `stage` (and, first, the inputs it reads that call no model) up to date.
    @discardableResult
    package static func run(_ stage: any PipelineStage, _ context: StageContext) async throws -> Outcome {
        for input in stage.inputs.map(StageGraph.stage(named:)) where !input.callsModels && !context.settled.contains(input.name) {
            try await run(input, context)
        }
        defer { context.settled.insert(stage.name) }
        try stage.adoptSettings(context)
        let fingerprint = try stage.fingerprint(context)
        if let last = try context.store.latestStageRuns()[stage.name], last.status == .done, last.fingerprint == fingerprint {
            context.log("\(stage.name): up to date")
            return .upToDate(fingerprint)
        }
        let id = try context.store.beginStage(stage.name, fingerprint: fingerprint)
        let start = context.clock.now
        do {
            let result = try await stage.run(context)
            try context.store.finishStage(id, status: .done, counts: result.countsJSON, stats: result.statsJSON,
                                          fingerprint: result.finalFingerprint)
            let seconds = start.duration(to: context.clock.now).inSeconds
            context.log("\(stage.name): \(result.summary) (\(String(format: "%.1f", seconds)) s)")
            return .ran(result)
        } catch {
            let status: StageStatus = error is CancellationError || error is StageInterrupted ? .interrupted : .failed
            try? context.store.finishStage(id, status: status, counts: nil, stats: nil, message: "\(error)")
            throw error
        }
    }

    /// `SHA-256` of the parts, joined unambiguously.
    package static func fingerprint(_ parts: [String]) -> String {
        ContentHash.sha256Hex(parts.map { "\($0.utf8.count):\($0)" }.joined(separator: "|"))
    }
}
