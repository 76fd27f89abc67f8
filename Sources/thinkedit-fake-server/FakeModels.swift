import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditImaging

/// An HTTP answer of the fake server, before Hummingbird sees it. A refusal (400) travels as the
/// failure of a `Result`, hence `Error`.
struct FakeReply: Error, Sendable {
    var status: Int
    var headers: [(String, String)] = [("content-type", "application/json")]
    var body: [UInt8]

    static func json(_ value: JSONValue, status: Int = 200) -> FakeReply {
        FakeReply(status: status, body: Array(value.canonicalText.utf8))
    }

    /// An OpenAI-style error body.
    static func error(_ status: Int, _ message: String, type: String) -> FakeReply {
        json(.object([("error", .object([("message", .string(message)), ("type", .string(type))]))]), status: status)
    }
}

/// What the fake expert, judge and editor answer: pure functions of the request body, so a run
/// against the fake is reproducible whatever the concurrency.
///
/// The expert counts its own revisions: every instruction it writes starts with `Revision N:`, and
/// the refine prompt shows the previous instruction, so the next request tells how many rounds the
/// trajectory has had without relying on any particular prompt wording. The chance of being
/// satisfied grows with each revision, decided by a hash of what the expert sees.
enum FakeModels {
    /// The route kinds `/stats` counts by.
    enum Kind: String, Sendable { case expert, judge, edit }

    /// The parts of a chat request the fake reads.
    struct ChatRequest: Sendable {
        var model: String
        /// Every text part of every message, in order.
        var text: String
        /// The `image_url` URLs of the user message, in order.
        var images: [String]
        var bytes: Int

        /// The expert prompts ask for `is_satisfied` / `new_rewritten_prompt`; everything else is
        /// answered as a judge (which keeps `thinkedit bench http`'s bare judge request working).
        var kind: Kind { text.contains("is_satisfied") || text.contains("new_rewritten_prompt") ? .expert : .judge }

        /// A number drawn from everything the model sees, text and images, and from the model
        /// asked: another model (or another prompt) answers otherwise, as a real one would.
        var hash: UInt64 { FakeModels.number(ContentHash.sha256Hex(model + "\u{1}" + text + "\u{1}" + images.joined(separator: "\u{1}"))) }
    }

    /// Reads a chat completions body; the error text says what a real server would reject.
    static func readChat(_ body: [UInt8]) -> Result<ChatRequest, FakeReply> {
        guard let value = try? JSONParser.parse(body) else {
            return .failure(.error(400, "the request body is not JSON", type: "invalid_request_error"))
        }
        guard case .array(let messages)? = value["messages"], !messages.isEmpty else {
            return .failure(.error(400, "the request has no \"messages\" list", type: "invalid_request_error"))
        }
        var text = ""
        var images: [String] = []
        for message in messages {
            switch message["content"] {
            case .string(let s)?: text += s + "\n"
            case .array(let parts)?:
                for part in parts {
                    if case .string(let t)? = part["text"] { text += t + "\n" }
                    if case .string(let url)? = part["image_url"]?["url"] {
                        guard url.hasPrefix("data:image/") || url.hasPrefix("http") else {
                            return .failure(.error(400, "an image_url is neither a data:image URL nor http(s)", type: "invalid_request_error"))
                        }
                        images.append(url)
                    }
                }
            default: return .failure(.error(400, "a message has no content", type: "invalid_request_error"))
            }
        }
        var model = "fake-model"
        if case .string(let m)? = value["model"] { model = m }
        return .success(ChatRequest(model: model, text: text, images: images, bytes: body.count))
    }

    // MARK: - Expert

    /// The revision number the expert last wrote, found in the previous instruction the prompt
    /// shows (0 when the instruction is still the user's).
    static func revision(in text: String) -> Int {
        var best = 0
        var rest = Substring(text)
        while let r = rest.range(of: "Revision ") {
            let digits = rest[r.upperBound...].prefix { $0.isASCII && $0.isNumber }
            if let n = Int(digits), rest[r.upperBound...].dropFirst(digits.count).hasPrefix(":") { best = max(best, n) }
            rest = rest[r.upperBound...]
        }
        return best
    }

    /// Per mille chance that the expert is satisfied after revision 0, 1, 2, 3 or more.
    static let satisfiedPerMille = [250, 400, 600, 800]

    private static let faults = [
        "the change was applied to only part of the object",
        "the wrong object was changed",
        "the background was altered although it should have stayed",
        "the edit left smeared artifacts along the object's edge",
        "the colour is close but not what was asked",
        "nothing visible changed",
    ]
    private static let fixes = [
        "apply the requested change to the whole object, edge to edge",
        "change only the object the request names and nothing next to it",
        "keep the background and lighting exactly as in the original",
        "make the change cleanly, with sharp natural edges and no smears",
        "match the requested colour exactly, evenly over the whole surface",
        "make the requested change clearly visible",
    ]

    /// The expert's message content: `{"is_satisfied", "reason", "new_rewritten_prompt"}`.
    static func expertContent(_ r: ChatRequest) -> String {
        let h = r.hash
        let previous = revision(in: r.text)
        // Before turn 1 (first_turn: rewrite) the expert sees the source alone and cannot be satisfied.
        let refining = r.images.count >= 2
        let chance = satisfiedPerMille[min(previous, satisfiedPerMille.count - 1)]
        if refining && Int(h % 1000) < chance {
            return JSONValue.object([("is_satisfied", .bool(true)),
                                     ("reason", .string("the edit now does what was asked and leaves the rest untouched")),
                                     ("new_rewritten_prompt", .string(""))]).canonicalText
        }
        let pick = Int((h >> 16) % UInt64(faults.count))
        let reason = refining ? faults[pick] : "the request is ambiguous about its extent"
        let prompt = "Revision \(previous + 1): \(fixes[pick]); leave everything else as in the original (ref \(String(h % 0xFFFF, radix: 16)))"
        return JSONValue.object([("is_satisfied", .bool(false)), ("reason", .string(reason)),
                                 ("new_rewritten_prompt", .string(prompt))]).canonicalText
    }

    // MARK: - Judge

    /// The judge's message content: `{"score": [a, b], "reasoning"}` with integers. A request with
    /// two images is the semantic judgement (source and edit), one image the quality judgement.
    static func judgeContent(_ r: ChatRequest) -> String {
        let h = r.hash
        let semantic = r.images.count >= 2
        let a = semantic ? 2 + Int(h % 9) : 4 + Int(h % 7)
        let b = 3 + Int((h >> 8) % 8)
        let reasoning = semantic ? "the instruction is carried out to degree \(a); unrelated parts kept to degree \(b)"
                                 : "naturalness \(a), freedom from artifacts \(b)"
        return JSONValue.object([("score", .array([.integer(Int64(a)), .integer(Int64(b))])),
                                 ("reasoning", .string(reasoning))]).canonicalText
    }

    /// A chat completion holding `content`, with usage estimated from the sizes.
    static func completion(_ content: String, for r: ChatRequest) -> FakeReply {
        .json(.object([
            ("id", .string("fake-\(String(r.hash, radix: 16))")), ("object", .string("chat.completion")), ("model", .string(r.model)),
            ("choices", .array([.object([("index", .integer(0)), ("finish_reason", .string("stop")),
                                         ("message", .object([("role", .string("assistant")), ("content", .string(content))]))])])),
            ("usage", .object([("prompt_tokens", .integer(Int64(r.bytes / 4))), ("completion_tokens", .integer(Int64(content.utf8.count / 4)))])),
        ]))
    }

    /// A 200 answer the client must reject, in one of three shapes chosen by `variant`: a body cut
    /// short, prose where JSON was asked for, or JSON that lacks a required field.
    static func malformedChat(_ r: ChatRequest, kind: Kind, variant: UInt64) -> FakeReply {
        switch variant % 3 {
        case 0: return FakeReply(status: 200, body: Array(#"{"id": "fake", "object": "chat.completion", "choices": [{"message": {"content": "{\"sco"#.utf8))
        case 1: return completion("I looked at the images carefully and I think it is mostly fine.", for: r)
        default:
            let content = kind == .expert ? #"{"reason": "no decision given"}"# : #"{"score": [7], "reasoning": "one number only"}"#
            return completion(content, for: r)
        }
    }

    // MARK: - Editor

    /// What an `/edit` request asks for.
    struct EditAsk {
        var prompt: String
        var seed: String
        /// `enhance_prompt`: absent means true, as in the EditThinker repository's FLUX.1 Kontext and
        /// Qwen-Image-Edit servers (`Field(True, ...)`).
        var enhance: Bool
    }

    /// Reads an `/edit` body: a base64 image, a prompt, a seed and `enhance_prompt`.
    static func readEdit(_ body: [UInt8]) -> Result<EditAsk, FakeReply> {
        func refuse(_ why: String) -> Result<EditAsk, FakeReply> {
            .failure(.json(.object([("success", .bool(false)), ("error", .string(why))]), status: 400))
        }
        guard let value = try? JSONParser.parse(body) else { return refuse("the request body is not JSON") }
        guard case .string(let image)? = value["image"], ImageWire.decode(image) != nil else {
            return refuse("\"image\" must hold a base64 image")
        }
        guard case .string(let prompt)? = value["prompt"], !prompt.isEmpty else { return refuse("\"prompt\" must be a non-empty text") }
        let seed: String
        switch value["seed"] {
        case .integer(let i)?: seed = String(i)
        case .unsigned(let u)?: seed = String(u)
        default: return refuse("\"seed\" must be a whole number")
        }
        let enhance: Bool
        switch value["enhance_prompt"] {
        case nil, .null?: enhance = true
        case .bool(let b)?: enhance = b
        default: return refuse("\"enhance_prompt\" must be true or false")
        }
        return .success(EditAsk(prompt: prompt, seed: seed, enhance: enhance))
    }

    /// The prompt a polishing server would run instead of `prompt` (deterministic here).
    static func polished(_ prompt: String) -> String { "Polished: \(prompt), rendered with care" }

    /// The edited images the fake editor returns, as base64. With `size` 0: small PNGs of a shape
    /// on a background, one per colour, so that different requests get different images (and
    /// different judge answers). Otherwise 16 photo-like `size`×`size` images (`SyntheticPhoto`),
    /// the even ones PNG and the odd ones JPEG (quality 90), as real editors answer.
    static func editedImages(size: Int) -> [String] {
        (0..<16).map { i in
            // Images of a valid size always encode; a failure here is a broken build, not a request's fault.
            if size > 0 {
                let photo = SyntheticPhoto.make(width: size, height: size, seed: UInt64(i + 1))
                return ImageWire.base64(i % 2 == 0 ? try! ImageCodec.encodePNG(photo) : try! ImageCodec.encodeJPEG(photo, quality: 90))
            }
            let side = 32
            var image = RGBImage(width: side, height: side, fill: (230, 230, 220))
            let colour: [UInt8] = [UInt8(40 + i * 13), UInt8(200 - i * 11), UInt8((i * 53) % 256)]
            for y in 8..<24 { for x in 8..<(12 + i) { image.pixels.replaceSubrange(((y * side + x) * 3)..<((y * side + x) * 3 + 3), with: colour) } }
            return ImageWire.base64(try! ImageCodec.encodePNG(image))
        }
    }

    /// The answer of the EditThinker servers: the image edited with the executed prompt, the seed
    /// used, the original prompt, and `enhanced_prompt` (the rewrite; null when not asked to).
    static func editAnswer(_ ask: EditAsk, images editedImages: [String]) -> FakeReply {
        let executed = ask.enhance ? polished(ask.prompt) : ask.prompt
        let h = number(ContentHash.sha256Hex("\(executed)\u{1}\(ask.seed)"))
        let seed: JSONValue = Int64(ask.seed).map { .integer($0) } ?? UInt64(ask.seed).map { .unsigned($0) } ?? .null
        let image = unique(editedImages[Int(h % UInt64(editedImages.count))], tag: String(h, radix: 16))
        return .json(.object([("success", .bool(true)), ("edited_image", .string(image)),
                              ("seed", seed), ("original_prompt", .string(ask.prompt)),
                              ("enhanced_prompt", ask.enhance ? .string(executed) : .null), ("error", .null)]))
    }

    /// A 200 `/edit` answer the client must reject: a body cut short, `edited_image` that is not
    /// base64, or base64 of bytes that are no image.
    static func malformedEdit(variant: UInt64) -> FakeReply {
        switch variant % 3 {
        case 0: return FakeReply(status: 200, body: Array(#"{"success": true, "edited_image": "iVBORw0KGgo"#.utf8))
        case 1: return .json(.object([("success", .bool(true)), ("edited_image", .string("*** not base64 ***"))]))
        default: return .json(.object([("success", .bool(true)), ("edited_image", .string(ImageWire.base64(Array("not an image at all".utf8))))]))
        }
    }

    /// `base64` (of a PNG or a JPEG from `editedImages`) with a comment naming `tag` written into
    /// the file — a PNG `tEXt` chunk after the header, a JPEG `COM` segment after the start
    /// marker — so that every request gets an image of its own, as a real editor's would be, at
    /// the cost of re-encoding a few dozen bytes: the insert keeps the rest of the base64 aligned.
    static func unique(_ base64: String, tag: String) -> String {
        guard let head = Array(base64.utf8.prefix(44)).withUnsafeBufferPointer({ Base64.decodeStrict($0) }), head.count == 33 else { return base64 }
        let text = Array(("thinkedit " + tag).utf8)
        var inserted: [UInt8]
        let keep: Int
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            // PNG: signature and IHDR are 33 bytes; a tEXt chunk of 12 + 24 bytes follows them
            // ("Comment", a NUL, 16 bytes of text).
            let data = Array("Comment".utf8) + [0] + Array((text + [UInt8](repeating: 0x20, count: 16)).prefix(16))
            let chunk: [UInt8] = Array("tEXt".utf8) + data
            let crc = crc32(chunk)
            inserted = head + [0, 0, 0, UInt8(chunk.count - 4)] + chunk + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
            keep = 44
            // 33 + 36 bytes: whole base64 groups, so the rest of the original's base64 follows as it is.
            guard inserted.count % 3 == 0 else { return base64 }
        } else if head.starts(with: [0xFF, 0xD8]) {
            // JPEG: SOI, then a COM segment of 30 bytes, then the third byte of the original.
            let data = Array((text + [UInt8](repeating: 0x20, count: 26)).prefix(26))
            inserted = [0xFF, 0xD8, 0xFF, 0xFE, 0, UInt8(data.count + 2)] + data + [head[2]]
            keep = 4
        } else {
            return base64
        }
        return Base64.encode(inserted) + String(base64.dropFirst(keep))
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// The first 64 bits of a hex digest.
    static func number(_ hex: String) -> UInt64 { UInt64(hex.prefix(16), radix: 16) ?? 0 }
}
