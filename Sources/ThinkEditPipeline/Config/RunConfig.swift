import Foundation
import ThinkEditCore

/// Everything a run is configured with, decoded and checked. Paths are absolute (relative ones in
/// the file resolve against the config file's folder). Secrets are never here: a backend names the
/// environment variable (or key file) that holds its key.
public struct RunConfig: Sendable {
    /// The config file this came from (absolute path).
    public var file: String
    public var workdir: String
    public var seed: UInt64
    public var pool: PoolSettings
    public var taxonomy: TaskTaxonomy
    public var images: ImageSettings
    public var generation: GenerationSettings
    public var curation: CurationSettings
    public var export: ExportSettings
    public var backends: BackendsSettings

    /// The run database of this run.
    public var databasePath: String { (workdir as NSString).appendingPathComponent("thinkedit.sqlite") }
}

public struct PoolSettings: Sendable, Hashable {
    /// The pool JSONL file `run` imports when the run has no pool yet.
    public var path: String?
    /// A synthetic pool `run` creates on first use (`pool: {synth: {count: 300, seed: 1}}`).
    public var synth: SynthPoolSettings?
}

public struct SynthPoolSettings: Sendable, Hashable {
    public var count: Int
    public var seed: UInt64
    public var imageSize: Int
    /// Relative weights of precise, ambiguous and vague instructions (`precision`).
    public var precisionWeights: [Double] = [0.5, 0.3, 0.2]
}

public struct ImageSettings: Sendable, Hashable {
    /// Images with more pixels than this are refused at import (before any allocation).
    public var maxPixels: Int
}

public enum FirstTurn: String, Sendable, Hashable, CaseIterable {
    /// `T_1 = T`.
    case original
    /// The expert rewrites `T` before the first edit ("think before edit").
    case rewrite
}

public struct GenerationSettings: Sendable, Hashable {
    public var maxTurns: Int
    public var firstTurn: FirstTurn
}

/// The settings of filter, unroll and split (SPEC §2.4–2.6).
public struct CurationSettings: Sendable, Hashable {
    public var stopSamples: Bool
    public var binWidth: Double
    public var rlMinVariance: Double
    public var rlTrajectories: Int
    public var sftSamples: Int
    public var sftMinQuality: Double
}

public struct ExportSettings: Sendable, Hashable {
    public static let allFormats = ["llamafactory", "swift", "editthinker-rl", "verl"]
    public var dir: String
    public var formats: [String]
    public var maxPixels: Int
    public var absolutePaths: Bool
    public var license: String
    public var datasetName: String
}

public enum BackendKind: String, Sendable, Hashable, CaseIterable {
    case synthetic
    case openai
    case editthinkerHTTP = "editthinker-http"
    case openaiImages = "openai-images"
}

/// One model backend. Which keys matter depends on `kind`.
public struct BackendSettings: Sendable, Hashable {
    public var role: String
    public var name: String
    public var kind: BackendKind
    public var baseURL: String?
    public var endpoints: [String]
    public var model: String?
    /// Name of the environment variable that holds the API key (never the key itself).
    public var apiKeyEnv: String?
    /// A file whose content is the API key.
    public var apiKeyFile: String?
    public var concurrency: Int
    public var weight: Double
    public var temperature: Double?
    public var maxTokens: Int?
    public var timeoutSeconds: Double
    public var maxRetries: Int
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    /// Price in currency units per million prompt / completion tokens.
    public var pricePromptPerMillion: Double
    public var priceCompletionPerMillion: Double
    /// Extra request parameters passed through to the backend (editthinker-http), as JSON text.
    public var extraJSON: String?
    /// The folder of the expert / judge prompt files (`prompts`); nil: `prompts/` beside the config.
    public var promptsDir: String? = nil
    /// How the expert answers (`answer_format`): `json` (default) or `tags` (a trained thinker).
    public var answerFormat: String? = nil
    /// Ask a chat backend for a JSON object answer (`json_mode`, default true for openai).
    public var jsonMode: Bool? = nil
    /// How the synthetic world behaves in this role (kind `synthetic` only); empty: the defaults.
    public var world = SyntheticWorldSettings()
}

/// The synthetic backends' dials (docs/synthetic-world.md). Nil or empty means the built-in value.
public struct SyntheticWorldSettings: Sendable, Hashable {
    /// Editor: multiplies every failure probability (`failure_scale`).
    public var failureScale: Double? = nil
    /// Editor: multiplies one kind of failure (`failures: {no_change, wrong_target, partial,
    /// over_edit, artifacts}`), keyed by those names.
    public var failureFactors: [String: Double] = [:]
    /// Editor: how bad partial edits and artifacts are (`failure_severity`, 1 as built in).
    public var severity: Double? = nil
    /// Expert: chance of accepting a nearly-right edit (`early_stop`).
    public var earlyStop: Double? = nil
    /// Expert: chance of asking for another round although the edit is right (`needless_continue`).
    public var needlessContinue: Double? = nil

    public init() {}

    /// Stable text for stage fingerprints; empty when every dial has its built-in value.
    public var fingerprint: String {
        var parts: [String] = []
        if let failureScale { parts.append("failure_scale=\(failureScale)") }
        for key in failureFactors.keys.sorted() { parts.append("\(key)=\(failureFactors[key]!)") }
        if let severity { parts.append("failure_severity=\(severity)") }
        if let earlyStop { parts.append("early_stop=\(earlyStop)") }
        if let needlessContinue { parts.append("needless_continue=\(needlessContinue)") }
        return parts.joined(separator: ";")
    }

    /// The keys of `failures:`.
    public static let failureKeys = ["no_change", "wrong_target", "partial", "over_edit", "artifacts"]
}

public struct BackendsSettings: Sendable, Hashable {
    public var thinker: BackendSettings
    public var scorer: BackendSettings
    /// One or more editors; each pool item gets one by a stable hash of its id, by weight.
    public var editors: [BackendSettings]
}
