import NIOCore
import Synchronization
import ThinkEditCore
import ThinkEditImaging

/// An image as it travels to a model: its encoded bytes (PNG or JPEG) and its content hash. Its
/// base64 is made once, into a buffer that every copy of the payload shares and that request
/// bodies send as it is (`WireBody`): a trajectory's source image is encoded once for all its turns,
/// an edit once for both judge calls. A chat message's `data:` URL is that base64 behind its
/// prefix, unless the request image policy makes it re-encode.
package struct ImagePayload: Sendable, Hashable {
    package var bytes: [UInt8]
    /// SHA-256 of `bytes` (`ContentHash.sha256Hex`).
    package var hash: String
    private let encoded = CachedBase64()

    package init(bytes: [UInt8], hash: String) {
        self.bytes = bytes
        self.hash = hash
    }

    package init(bytes: [UInt8]) {
        self.init(bytes: bytes, hash: ContentHash.sha256Hex(bytes))
    }

    package static func == (a: ImagePayload, b: ImagePayload) -> Bool { a.hash == b.hash && a.bytes == b.bytes }
    package func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    /// The image as a chat message's `image_url.url`: `ImageWire.dataURL(bytes)`, made of the shared
    /// base64 when the image goes as stored.
    var dataURLValue: WireValue {
        guard let format = ImageWire.sentAsStored(bytes) else { return .string(ImageWire.dataURL(bytes)) }
        return .base64(prefix: DataURL.prefix(format), base64Buffer)
    }

    /// The bare base64 as a request field (the editors' `image`).
    var base64Value: WireValue { .base64(prefix: "", base64Buffer) }

    /// `ImageWire.dataURL(bytes)` as text (a copy; requests use `dataURLValue`).
    package var dataURL: String {
        guard let format = ImageWire.sentAsStored(bytes) else { return ImageWire.dataURL(bytes) }
        return DataURL.prefix(format) + String(buffer: base64Buffer)
    }

    /// `ImageWire.base64(bytes)` as text (a copy; requests use `base64Value`).
    package var base64: String { String(buffer: base64Buffer) }

    /// The base64, made on first use.
    private var base64Buffer: ByteBuffer {
        encoded.value { CPUMeter.measure(.imagesIntoRequests) { Self.encode(bytes) } }
    }

    private static func encode(_ bytes: [UInt8]) -> ByteBuffer {
        let length = Base64.encodedLength(bytes.count)
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        bytes.withUnsafeBufferPointer { input in
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
                Base64.encode(input, into: out.bindMemory(to: UInt8.self))
            }
        }
        return buffer
    }

    /// The base64, once made; shared by every copy of the payload.
    private final class CachedBase64: Sendable {
        private let buffer = Mutex<ByteBuffer?>(nil)

        func value(make: () -> ByteBuffer) -> ByteBuffer {
            if let made = buffer.withLock({ $0 }) { return made }
            // Made outside the lock: two callers at once may both make it, and both get the same bytes.
            let made = make()
            buffer.withLock { $0 = made }
            return made
        }
    }
}

/// Tokens a call used, when the backend reports them.
package struct Usage: Sendable, Hashable {
    /// Every prompt token, cached ones included.
    package var promptTokens: Int
    package var completionTokens: Int
    /// The part of `promptTokens` the provider served from its prompt cache (billed at its own
    /// price, `cached_prompt_per_million`); 0 when it does not say.
    package var cachedPromptTokens: Int

    package init(promptTokens: Int = 0, completionTokens: Int = 0, cachedPromptTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
    }
}

/// What every model call knows about the pool item it works for. `meta` is the pool row's optional
/// metadata as JSON text (the synthetic world keeps its ground truth there).
package struct ItemContext: Sendable, Hashable {
    package var trajectoryID: String
    package var task: String
    /// The user's original instruction `T`.
    package var instruction: String
    package var source: ImagePayload
    package var meta: String?

    package init(trajectoryID: String, task: String, instruction: String, source: ImagePayload, meta: String? = nil) {
        self.trajectoryID = trajectoryID
        self.task = task
        self.instruction = instruction
        self.source = source
        self.meta = meta
    }
}

// MARK: - Editor

/// One editor call: `I_t = Editor(Isrc, T_t)` with a seed derived from (run seed, trajectory, turn).
package struct EditRequest: Sendable, Hashable {
    package var item: ItemContext
    package var turn: Int
    package var instruction: String
    package var seed: UInt64

    package init(item: ItemContext, turn: Int, instruction: String, seed: UInt64) {
        self.item = item
        self.turn = turn
        self.instruction = instruction
        self.seed = seed
    }
}

package struct EditResult: Sendable, Hashable {
    /// The edited image, encoded (PNG or JPEG).
    package var image: [UInt8]
    package var usage: Usage?
    /// The prompt the editor says it executed, when it says (a server that polishes prompts
    /// reports its rewrite); nil when it does not report one.
    package var executedPrompt: String?
    /// The seed the editor says it used, when it says.
    package var executedSeed: UInt64?

    package init(image: [UInt8], usage: Usage? = nil, executedPrompt: String? = nil, executedSeed: UInt64? = nil) {
        self.image = image
        self.usage = usage
        self.executedPrompt = executedPrompt
        self.executedSeed = executedSeed
    }
}

/// An image editor (FLUX.1 Kontext, Qwen-Image-Edit, OmniGen2 behind HTTP, or the synthetic one).
package protocol Editor: Sendable {
    /// The name trajectories record (`flux-kontext`, `synthetic`...).
    var name: String { get }
    func edit(_ request: EditRequest) async throws -> EditResult
}

// MARK: - Thinker (the expert)

/// One expert call. Before turn `t >= 2` the expert sees `(Isrc, T, I_{t-1}, T_{t-1})`; with
/// `first_turn: rewrite` it is also asked before turn 1, with no previous image.
package struct ThinkRequest: Sendable, Hashable {
    package var item: ItemContext
    /// The turn the answer is for.
    package var turn: Int
    package var previousImage: ImagePayload?
    package var previousInstruction: String?

    package init(item: ItemContext, turn: Int, previousImage: ImagePayload?, previousInstruction: String?) {
        self.item = item
        self.turn = turn
        self.previousImage = previousImage
        self.previousInstruction = previousInstruction
    }
}

/// The expert's answer: satisfied (stop) or a new instruction, with its reasoning. No score.
package struct ThinkAnswer: Sendable, Hashable {
    package var satisfied: Bool
    package var reasoning: String
    package var instruction: String
    package var usage: Usage?

    package init(satisfied: Bool, reasoning: String, instruction: String, usage: Usage? = nil) {
        self.satisfied = satisfied
        self.reasoning = reasoning
        self.instruction = instruction
        self.usage = usage
    }
}

package protocol Thinker: Sendable {
    var name: String { get }
    func think(_ request: ThinkRequest) async throws -> ThinkAnswer
}

// MARK: - Scorer (the judge)

/// The two VIEScore-style judgements of an image (SPEC §2.3).
package enum JudgeAspect: String, Sendable, Hashable, CaseIterable {
    /// Source + edit against the ORIGINAL instruction: (edit success, absence of over-editing).
    case semantic
    /// The edit alone: (naturalness, absence of artifacts).
    case quality
}

package struct JudgeRequest: Sendable, Hashable {
    package var item: ItemContext
    package var turn: Int
    package var edited: ImagePayload
    package var aspect: JudgeAspect

    package init(item: ItemContext, turn: Int, edited: ImagePayload, aspect: JudgeAspect) {
        self.item = item
        self.turn = turn
        self.edited = edited
        self.aspect = aspect
    }
}

/// The judge's two 0–10 numbers for one aspect, and its reasoning.
package struct JudgeAnswer: Sendable, Hashable {
    package var scores: [ScoreNumber]
    package var reasoning: String
    package var usage: Usage?

    package init(scores: [ScoreNumber], reasoning: String, usage: Usage? = nil) {
        self.scores = scores
        self.reasoning = reasoning
        self.usage = usage
    }
}

package protocol Scorer: Sendable {
    var name: String { get }
    func judge(_ request: JudgeRequest) async throws -> JudgeAnswer
}
