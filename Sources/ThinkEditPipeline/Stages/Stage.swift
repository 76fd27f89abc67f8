import Foundation
import ThinkEditCore
import ThinkEditStore

/// What every stage gets: the run's config, its open store, and where to say what it does.
public struct StageContext: Sendable {
    public let config: RunConfig
    public let store: RunStore
    public let log: @Sendable (String) -> Void

    public init(config: RunConfig, store: RunStore, log: @escaping @Sendable (String) -> Void) {
        self.config = config
        self.store = store
        self.log = log
    }
}

/// How a stage run ended: ordered counts for `status`, optional statistics (JSON) and a line for
/// the user.
public struct StageResult: Sendable {
    public var counts: [(String, Int)]
    public var statsJSON: String?
    public var summary: String

    public init(counts: [(String, Int)], statsJSON: String? = nil, summary: String) {
        self.counts = counts
        self.statsJSON = statsJSON
        self.summary = summary
    }

    var countsJSON: String {
        JSONValue.object(counts.map { ($0.0, .integer(Int64($0.1))) }).canonicalText
    }
}

/// One step of the pipeline. Every stage has the same shape, so the runner (and `run`) stays
/// ignorant of what a stage does: a name, a fingerprint of everything its output depends on, and
/// a body. A finished stage whose fingerprint has not changed is not run again.
public protocol PipelineStage: Sendable {
    var name: String { get }
    /// The stages whose output this one reads; the runner brings them up to date first.
    var upstream: [any PipelineStage] { get }
    /// Hash of the settings and inputs the output depends on.
    func fingerprint(_ context: StageContext) throws -> String
    func run(_ context: StageContext) async throws -> StageResult
}

/// Runs stages, skipping those whose last run finished with the same fingerprint.
public enum StageRunner {
    public enum Outcome: Sendable {
        case upToDate(String)
        case ran(StageResult)
    }

    /// Brings `stage` (and, first, its upstream stages) up to date.
    @discardableResult
    public static func run(_ stage: any PipelineStage, _ context: StageContext) async throws -> Outcome {
        for up in stage.upstream {
            try await run(up, context)
        }
        let fingerprint = try stage.fingerprint(context)
        if let last = try context.store.latestStageRuns()[stage.name], last.status == "done", last.fingerprint == fingerprint {
            context.log("\(stage.name): up to date")
            return .upToDate(fingerprint)
        }
        let id = try context.store.beginStage(stage.name, fingerprint: fingerprint)
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let result = try await stage.run(context)
            try context.store.finishStage(id, status: "done", counts: result.countsJSON, stats: result.statsJSON)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            context.log("\(stage.name): \(result.summary) (\(String(format: "%.1f", seconds)) s)")
            return .ran(result)
        } catch {
            let status = error is CancellationError ? "interrupted" : "failed"
            try? context.store.finishStage(id, status: status, counts: nil, stats: nil, message: "\(error)")
            throw error
        }
    }

    /// `SHA-256` of the parts, joined unambiguously.
    public static func fingerprint(_ parts: [String]) -> String {
        ContentHash.sha256Hex(parts.map { "\($0.utf8.count):\($0)" }.joined(separator: "|"))
    }
}
