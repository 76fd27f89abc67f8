import Foundation
import Synchronization
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// A model call's place in the response cache (SPEC §2.8): the key of its exact request and how
/// its answer is kept and read back. `timedCall` serves a cached answer without a call (journaled
/// as `cached`, cost 0) and keeps every new answer.
struct CachedCall<T: Sendable>: Sendable {
    let cache: ResponseCache
    let inFlight: CallsInFlight
    let key: [UInt8]
    let encode: @Sendable (T) -> (ResponseCache.Entry, imageBytes: [UInt8]?)
    let decode: @Sendable (ResponseCache.Entry, ResponseCache) throws -> T
    /// An answer with an image is kept by its caller once the run has stored the image, so that
    /// the cache links to that file instead of writing the bytes a second time.
    var keptByCaller = false

    /// The cached answer, or nil (none, or one that cannot be read back: then the call is made).
    func hit() -> T? {
        guard let entry = try? cache.lookup(key) else { return nil }
        return try? decode(entry, cache)
    }

    /// Waits for the answer of the same request when another call of this process is sending it
    /// (`.answered`, nil when that call failed); `.lead` when none is, and this call must then
    /// send it and `finish`.
    func join() async -> CallsInFlight.Turn { await inFlight.enter(key) }

    /// Hands this call's answer (nil: it failed) to the calls that joined it.
    func finish(_ value: T?) { inFlight.leave(key, value) }

    /// Keeps an answer. A cache that cannot be written costs a later call, never this one.
    func keep(_ value: T, linkingFrom store: ImageStore? = nil) {
        let (entry, bytes) = encode(value)
        try? cache.save(key, entry, imageBytes: bytes, imageStore: store)
    }
}

/// Requests of this process being sent now, by cache key: a second call with the same request
/// waits for the first one's answer instead of paying for it again.
final class CallsInFlight: Sendable {
    enum Turn: Sendable {
        case lead
        case answered((any Sendable)?)
    }

    private let waiting = Mutex<[[UInt8]: [CheckedContinuation<Turn, Never>]]>([:])

    /// `.lead` at once when no call sends the request (the usual case: no suspension); else
    /// waits for that call's answer (`.answered(nil)` when it failed, or ended just before).
    func enter(_ key: [UInt8]) async -> Turn {
        let lead = waiting.withLock { w -> Bool in
            if w[key] != nil { return false }
            w[key] = []
            return true
        }
        if lead { return .lead }
        return await withCheckedContinuation { (c: CheckedContinuation<Turn, Never>) in
            let joined = waiting.withLock { w -> Bool in
                guard w[key] != nil else { return false }
                w[key]!.append(c)
                return true
            }
            if !joined { c.resume(returning: .answered(nil)) }
        }
    }

    func leave(_ key: [UInt8], _ value: (any Sendable)?) {
        let joined = waiting.withLock { $0.removeValue(forKey: key) } ?? []
        for c in joined { c.resume(returning: .answered(value)) }
    }
}

/// The cache keys: a SHA-256 over the backend's settings (`BackendSet.Member.cacheScope`: kind,
/// model, request settings, prompt hashes), the call's kind and exactly the fields the drivers
/// build the request body from, images by content hash. Two calls that would send the same body
/// share an answer, whichever trajectory makes them.
extension BackendSet {
    private func key(_ scope: String, _ kind: CallKind, _ fields: (inout ContentHash.Fields) -> Void) -> [UInt8] {
        CPUMeter.measure(.responseCache) {
            var h = ContentHash.Fields()
            h.add("thinkedit-response/1")
            h.add(scope)
            h.add(kind.rawValue)
            fields(&h)
            return h.finish()
        }
    }

    /// The expert's call, when its backend's calls are cached.
    func cachedThink(_ scope: String?, _ r: ThinkRequest) -> CachedCall<ThinkAnswer>? {
        guard let cache, let scope else { return nil }
        // The expert's prompts are filled with T, the task, the turn and T_{t-1}; it sees Isrc and I_{t-1}.
        let key = key(scope, .think) { h in
            h.add(r.item.instruction)
            h.add(r.item.task)
            h.add(Int64(r.turn))
            h.add(r.item.source.hash)
            h.add(r.previousImage?.hash)
            h.add(r.previousInstruction)
        }
        return CachedCall(cache: cache, inFlight: inFlight, key: key, encode: { a in
            (ResponseCache.Entry(kind: .think, answer: JSONValue.object([
                ("satisfied", .bool(a.satisfied)), ("reasoning", .string(a.reasoning)), ("instruction", .string(a.instruction)),
            ]).canonicalText), nil)
        }, decode: { entry, _ in
            let v = try JSONParser.parse(entry.answer)
            guard case .bool(let satisfied)? = v["satisfied"], case .string(let reasoning)? = v["reasoning"],
                  case .string(let instruction)? = v["instruction"] else { throw CacheEntryUnreadable() }
            return ThinkAnswer(satisfied: satisfied, reasoning: reasoning, instruction: instruction)
        })
    }

    /// The editor's call (its checked image and what it reported), when its calls are cached.
    func cachedEdit(_ scope: String?, _ r: EditRequest) -> CachedCall<(ImageRecord, EditResult)>? {
        guard let cache, let scope else { return nil }
        // Every editor is sent Isrc, T_t and (where it takes one) the seed.
        let key = key(scope, .edit) { h in
            h.add(r.item.source.hash)
            h.add(r.instruction)
            h.add(r.seed)
        }
        return CachedCall(cache: cache, inFlight: inFlight, key: key, encode: { made in
            let (image, result) = made
            return (ResponseCache.Entry(kind: .edit, answer: JSONValue.object([
                ("executed_prompt", result.executedPrompt.map { .string($0) } ?? .null),
                ("executed_seed", result.executedSeed.map { .unsigned($0) } ?? .null),
            ]).canonicalText, image: image), result.image)
        }, decode: { entry, cache in
            let v = try JSONParser.parse(entry.answer)
            guard let image = entry.image else { throw CacheEntryUnreadable() }
            let bytes = try cache.images.read(hash: image.hash, format: image.format)
            guard bytes.count == image.bytes else { throw CacheEntryUnreadable() }
            var seed: UInt64? = nil
            switch v["executed_seed"] {
            case .integer(let i)?: seed = UInt64(i)
            case .unsigned(let u)?: seed = u
            default: break
            }
            var prompt: String? = nil
            if case .string(let p)? = v["executed_prompt"] { prompt = p }
            return (image, EditResult(image: bytes, executedPrompt: prompt, executedSeed: seed))
        }, keptByCaller: true)
    }

    /// The judge's call, when its calls are cached.
    func cachedJudge(_ scope: String?, _ r: JudgeRequest) -> CachedCall<JudgeAnswer>? {
        guard let cache, let scope else { return nil }
        // The judge's prompts are filled with T and the task; it sees the edit, and for the
        // semantic judgement Isrc too.
        let key = key(scope, .judge(r.aspect)) { h in
            h.add(r.item.instruction)
            h.add(r.item.task)
            h.add(r.aspect == .semantic ? r.item.source.hash : nil)
            h.add(r.edited.hash)
        }
        return CachedCall(cache: cache, inFlight: inFlight, key: key, encode: { a in
            (ResponseCache.Entry(kind: .judge(r.aspect), answer: JSONValue.object([
                ("scores", .array(a.scores.map { $0.isInteger ? .integer(Int64($0.value)) : .number($0.value) })), ("reasoning", .string(a.reasoning)),
            ]).canonicalText), nil)
        }, decode: { entry, _ in
            let v = try JSONParser.parse(entry.answer)
            guard case .array(let items)? = v["scores"], case .string(let reasoning)? = v["reasoning"] else { throw CacheEntryUnreadable() }
            let scores = try items.map { item -> ScoreNumber in
                switch item {
                case .integer(let i): return ScoreNumber(Int(i))
                case .number(let d): return ScoreNumber(decimal: d)
                default: throw CacheEntryUnreadable()
                }
            }
            return JudgeAnswer(scores: scores, reasoning: reasoning)
        })
    }
}

/// A cache entry this thinkedit cannot read back (written by another version): the call is made.
struct CacheEntryUnreadable: Error {}
