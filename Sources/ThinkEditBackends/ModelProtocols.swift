import ThinkEditCore

/// An image as it travels to a model: its encoded bytes (PNG or JPEG) and its content hash.
public struct ImagePayload: Sendable, Hashable {
    public var bytes: [UInt8]
    /// SHA-256 of `bytes` (`ContentHash.sha256Hex`).
    public var hash: String

    public init(bytes: [UInt8], hash: String) {
        self.bytes = bytes
        self.hash = hash
    }

    public init(bytes: [UInt8]) {
        self.init(bytes: bytes, hash: ContentHash.sha256Hex(bytes))
    }
}

/// Tokens a call used, when the backend reports them.
public struct Usage: Sendable, Hashable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int = 0, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// What every model call knows about the pool item it works for. `meta` is the pool row's optional
/// metadata as JSON text (the synthetic world keeps its ground truth there).
public struct ItemContext: Sendable, Hashable {
    public var trajectoryID: String
    public var task: String
    /// The user's original instruction `T`.
    public var instruction: String
    public var source: ImagePayload
    public var meta: String?

    public init(trajectoryID: String, task: String, instruction: String, source: ImagePayload, meta: String? = nil) {
        self.trajectoryID = trajectoryID
        self.task = task
        self.instruction = instruction
        self.source = source
        self.meta = meta
    }
}

// MARK: - Editor

/// One editor call: `I_t = Editor(Isrc, T_t)` with a seed derived from (run seed, trajectory, turn).
public struct EditRequest: Sendable, Hashable {
    public var item: ItemContext
    public var turn: Int
    public var instruction: String
    public var seed: UInt64

    public init(item: ItemContext, turn: Int, instruction: String, seed: UInt64) {
        self.item = item
        self.turn = turn
        self.instruction = instruction
        self.seed = seed
    }
}

public struct EditResult: Sendable, Hashable {
    /// The edited image, encoded (PNG or JPEG).
    public var image: [UInt8]
    public var usage: Usage?

    public init(image: [UInt8], usage: Usage? = nil) {
        self.image = image
        self.usage = usage
    }
}

/// An image editor (FLUX.1 Kontext, Qwen-Image-Edit, OmniGen2 behind HTTP, or the synthetic one).
public protocol Editor: Sendable {
    /// The name trajectories record (`flux-kontext`, `synthetic`...).
    var name: String { get }
    func edit(_ request: EditRequest) async throws -> EditResult
}

// MARK: - Thinker (the expert)

/// One expert call. Before turn `t >= 2` the expert sees `(Isrc, T, I_{t-1}, T_{t-1})`; with
/// `first_turn: rewrite` it is also asked before turn 1, with no previous image.
public struct ThinkRequest: Sendable, Hashable {
    public var item: ItemContext
    /// The turn the answer is for.
    public var turn: Int
    public var previousImage: ImagePayload?
    public var previousInstruction: String?

    public init(item: ItemContext, turn: Int, previousImage: ImagePayload?, previousInstruction: String?) {
        self.item = item
        self.turn = turn
        self.previousImage = previousImage
        self.previousInstruction = previousInstruction
    }
}

/// The expert's answer: satisfied (stop) or a new instruction, with its reasoning. No score.
public struct ThinkAnswer: Sendable, Hashable {
    public var satisfied: Bool
    public var reasoning: String
    public var instruction: String
    public var usage: Usage?

    public init(satisfied: Bool, reasoning: String, instruction: String, usage: Usage? = nil) {
        self.satisfied = satisfied
        self.reasoning = reasoning
        self.instruction = instruction
        self.usage = usage
    }
}

public protocol Thinker: Sendable {
    var name: String { get }
    func think(_ request: ThinkRequest) async throws -> ThinkAnswer
}

// MARK: - Scorer (the judge)

/// The two VIEScore-style judgements of an image (SPEC §2.3).
public enum JudgeAspect: String, Sendable, Hashable, CaseIterable {
    /// Source + edit against the ORIGINAL instruction: (edit success, absence of over-editing).
    case semantic
    /// The edit alone: (naturalness, absence of artifacts).
    case quality
}

public struct JudgeRequest: Sendable, Hashable {
    public var item: ItemContext
    public var turn: Int
    public var edited: ImagePayload
    public var aspect: JudgeAspect

    public init(item: ItemContext, turn: Int, edited: ImagePayload, aspect: JudgeAspect) {
        self.item = item
        self.turn = turn
        self.edited = edited
        self.aspect = aspect
    }
}

/// The judge's two 0–10 numbers for one aspect, and its reasoning.
public struct JudgeAnswer: Sendable, Hashable {
    public var scores: [ScoreNumber]
    public var reasoning: String
    public var usage: Usage?

    public init(scores: [ScoreNumber], reasoning: String, usage: Usage? = nil) {
        self.scores = scores
        self.reasoning = reasoning
        self.usage = usage
    }
}

public protocol Scorer: Sendable {
    var name: String { get }
    func judge(_ request: JudgeRequest) async throws -> JudgeAnswer
}
