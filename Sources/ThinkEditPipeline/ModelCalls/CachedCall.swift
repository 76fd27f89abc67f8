import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// A model call's place in the response cache (SPEC §2.8): the key of its exact request and how
/// its answer is kept and read back. `timedCall` serves a cached answer without a call (journaled
/// as `cached`, cost 0) and keeps every new answer.
struct CachedCall<T: Sendable>: Sendable {
    let cache: ResponseCache
    let key: [UInt8]
    let encode: @Sendable (T) -> (ResponseCache.Entry, imageBytes: [UInt8]?)
    let decode: @Sendable (ResponseCache.Entry, ResponseCache) throws -> T

    /// The cached answer, or nil (none, or one that cannot be read back: then the call is made).
    func hit() -> T? {
        guard let entry = try? cache.lookup(key) else { return nil }
        return try? decode(entry, cache)
    }

    /// Keeps an answer. A cache that cannot be written costs a later call, never this one.
    func keep(_ value: T) {
        let (entry, bytes) = encode(value)
        try? cache.save(key, entry, imageBytes: bytes)
    }
}

/// The request texts the cache keys are made of: everything a backend is given, images by their
/// content hash, after the backend's settings (`BackendSet.Member.cacheScope`).
extension BackendSet {
    private func request(_ scope: String, _ kind: String, _ item: ItemContext, _ fields: [(String, JSONValue)]) -> [UInt8] {
        let item = JSONValue.object([
            ("id", .string(item.trajectoryID)), ("task", .string(item.task)), ("instruction", .string(item.instruction)),
            ("source", .string(item.source.hash)), ("meta", item.meta.map { .string($0) } ?? .null),
        ])
        let text = JSONValue.object([("backend", .string(scope)), ("kind", .string(kind)), ("item", item)] + fields).canonicalText
        return ResponseCache.key(text)
    }

    /// The expert's call, when its backend's calls are cached.
    func cachedThink(_ scope: String?, _ r: ThinkRequest) -> CachedCall<ThinkAnswer>? {
        guard let cache, let scope else { return nil }
        let key = request(scope, "think", r.item, [
            ("turn", .integer(Int64(r.turn))), ("previous_image", r.previousImage.map { .string($0.hash) } ?? .null),
            ("previous_instruction", r.previousInstruction.map { .string($0) } ?? .null),
        ])
        return CachedCall(cache: cache, key: key, encode: { a in
            (ResponseCache.Entry(kind: "think", answer: JSONValue.object([
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
        let key = request(scope, "edit", r.item, [
            ("turn", .integer(Int64(r.turn))), ("instruction", .string(r.instruction)), ("seed", .unsigned(r.seed)),
        ])
        return CachedCall(cache: cache, key: key, encode: { made in
            let (image, result) = made
            return (ResponseCache.Entry(kind: "edit", answer: JSONValue.object([
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
        })
    }

    /// The judge's call, when its calls are cached.
    func cachedJudge(_ scope: String?, _ r: JudgeRequest) -> CachedCall<JudgeAnswer>? {
        guard let cache, let scope else { return nil }
        let key = request(scope, "judge_\(r.aspect.rawValue)", r.item, [("turn", .integer(Int64(r.turn))), ("edited", .string(r.edited.hash))])
        return CachedCall(cache: cache, key: key, encode: { a in
            (ResponseCache.Entry(kind: "judge_\(r.aspect.rawValue)", answer: JSONValue.object([
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
