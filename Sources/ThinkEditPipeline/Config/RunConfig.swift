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
}

public struct BackendsSettings: Sendable, Hashable {
    public var thinker: BackendSettings
    public var scorer: BackendSettings
    /// One or more editors; each pool item gets one by a stable hash of its id, by weight.
    public var editors: [BackendSettings]
}
