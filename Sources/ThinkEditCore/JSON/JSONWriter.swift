/// Writes JSON text into one `String`, object keys in the order the caller writes them: the one way
/// thinkedit makes JSON text (export records, the trajectories export, the synthetic pool, canonical
/// `JSONValue` text). Values go straight into `text`; nothing is built on the side.
///
///     var w = JSONWriter()
///     w.object { o in
///         o.field("id", "a#2")
///         o.field("turn", 2)
///         o.object("score") { s in
///             s.field("semantic", 8)
///             s.field("overall", 7.483315)
///         }
///         o.array("images") { a in a.string("images/x.png") }
///     }
///     w.text += "\n"
///     // {"id":"a#2","turn":2,"score":{"semantic":8,"overall":7.483315},"images":["images/x.png"]}
///
/// Contract: inside an object, write `key(_:)` then one value (or use `field`, `object(_:_:)`,
/// `array(_:_:)`); inside an array, write values. The writer puts the commas (and, with `indent`, the
/// line breaks) itself and does not check that keys and values alternate. Values written at the top
/// level are not separated: append what goes between them (a JSONL line break) to `text`.
///
/// Strings: `"`, `\` and the control characters U+0000–U+001F are escaped (`\n`, `\t`, ..., else
/// `\u00XX` in lowercase hex); everything else, `/`, non-ASCII and U+2028 included, is written as
/// UTF-8. Doubles: `JSONNumber.format` (shortest round-trip form, `null` when not finite).
package struct JSONWriter {
    /// The text written so far.
    package var text: String
    /// Spaces per nesting level; 0 writes compact text.
    private let indent: Int
    private var depth = 0
    /// The current container already holds a member, so the next one needs a comma.
    private var needsComma = false
    /// A key was just written: its value follows without a comma or a line break.
    private var afterKey = false

    /// A writer that appends to `text`. With `indent > 0`, every member of a non-empty object or
    /// array goes on its own line, indented by that many spaces per level, keys followed by `": "`.
    package init(text: String = "", indent: Int = 0) {
        self.text = text
        self.indent = indent
    }

    // MARK: - Values

    package mutating func string(_ s: String) {
        beginValue()
        Self.appendQuoted(s, to: &text)
        needsComma = true
    }

    /// Any whole number, exactly (a 64-bit seed above `Int64.max` included).
    package mutating func int(_ i: some BinaryInteger) { raw(String(i)) }

    /// `JSONNumber.format`: `8.0`, `5.656854`, `null` for a value JSON cannot hold.
    package mutating func double(_ x: Double) { raw(JSONNumber.format(x)) }

    package mutating func bool(_ b: Bool) { raw(b ? "true" : "false") }

    package mutating func null() { raw("null") }

    /// Text that already is one JSON value, written as it is (not checked).
    package mutating func raw(_ json: String) {
        beginValue()
        text.append(json)
        needsComma = true
    }

    /// An object whose members `body` writes.
    package mutating func object(_ body: (inout JSONWriter) -> Void) {
        open("{")
        body(&self)
        close("}")
    }

    /// An array whose elements `body` writes.
    package mutating func array(_ body: (inout JSONWriter) -> Void) {
        open("[")
        body(&self)
        close("]")
    }

    /// `object(_:)` in two calls, for a caller that writes members between them from its own state.
    package mutating func beginObject() { open("{") }
    package mutating func endObject() { close("}") }
    package mutating func beginArray() { open("[") }
    package mutating func endArray() { close("]") }

    // MARK: - Object members

    /// The key of the next member of the current object; write its value next.
    package mutating func key(_ k: String) {
        if needsComma { text.append(",") }
        if indent > 0 {
            lineBreak()
            Self.appendQuoted(k, to: &text)
            text.append(": ")
        } else {
            Self.appendQuoted(k, to: &text)
            text.append(":")
        }
        afterKey = true
    }

    package mutating func field(_ k: String, _ value: String) {
        key(k)
        string(value)
    }

    package mutating func field(_ k: String, _ value: Int) {
        key(k)
        int(value)
    }

    package mutating func field(_ k: String, _ value: Double) {
        key(k)
        double(value)
    }

    package mutating func field(_ k: String, _ value: Bool) {
        key(k)
        bool(value)
    }

    package mutating func object(_ k: String, _ body: (inout JSONWriter) -> Void) {
        key(k)
        object(body)
    }

    package mutating func array(_ k: String, _ body: (inout JSONWriter) -> Void) {
        key(k)
        array(body)
    }

    // MARK: - Structure

    private mutating func beginValue() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        if needsComma { text.append(",") }
        if indent > 0 { lineBreak() }
    }

    private mutating func open(_ bracket: String) {
        beginValue()
        text.append(bracket)
        depth += 1
        needsComma = false
    }

    private mutating func close(_ bracket: String) {
        depth -= 1
        // `needsComma` tells whether the container got a member; an empty one stays `{}` / `[]`.
        if indent > 0 && needsComma { lineBreak() }
        text.append(bracket)
        needsComma = true
        afterKey = false
    }

    private mutating func lineBreak() {
        text.append("\n")
        text.append(String(repeating: " ", count: indent * depth))
    }

    // MARK: - Strings

    /// Appends `s` as a JSON string literal (see the type's contract for what is escaped). Runs of
    /// characters that need no escape are copied as they are; a string with nothing to escape
    /// (a base64 image of a few megabytes, say) is scanned through a pointer and copied whole.
    private static func appendQuoted(_ s: String, to text: inout String) {
        text.append("\"")
        var s = s
        let escaped: Bool = s.withUTF8 { buf in
            guard var i = firstEscape(in: buf) else { return false }
            var run = 0
            while i < buf.count {
                let b = buf[i]
                if needsEscape(b) {
                    // `run` and `i` sit on ASCII bytes or the start, so on scalar boundaries.
                    if run < i { text.append(String(decoding: UnsafeBufferPointer(rebasing: buf[run..<i]), as: UTF8.self)) }
                    appendEscape(b, to: &text)
                    run = i + 1
                }
                i += 1
            }
            if run < buf.count { text.append(String(decoding: UnsafeBufferPointer(rebasing: buf[run...]), as: UTF8.self)) }
            return true
        }
        if !escaped { text.append(s) }
        text.append("\"")
    }

    @inline(__always)
    private static func needsEscape(_ b: UInt8) -> Bool { b < 0x20 || b == 0x22 || b == 0x5c }

    /// The index of the first byte that needs an escape, eight bytes at a time: a word holds one
    /// when a byte is below 0x20, or is 0x22 or 0x5c (the zero-byte test on `x ^ c`).
    static func firstEscape(in buf: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = buf.baseAddress else { return nil }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i + 8 <= buf.count {
            let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let control = (x &- ones &* 0x20) & ~x & highs
            let q = x ^ (ones &* 0x22), b = x ^ (ones &* 0x5c)
            if control | ((q &- ones) & ~q & highs) | ((b &- ones) & ~b & highs) != 0 { break }
            i += 8
        }
        while i < buf.count {
            if needsEscape(base[i]) { return i }
            i += 1
        }
        return nil
    }

    private static let hexDigits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]

    private static func appendEscape(_ b: UInt8, to text: inout String) {
        switch b {
        case 0x22: text.append("\\\"")
        case 0x5c: text.append("\\\\")
        case 0x0a: text.append("\\n")
        case 0x0d: text.append("\\r")
        case 0x09: text.append("\\t")
        case 0x08: text.append("\\b")
        case 0x0c: text.append("\\f")
        default:
            text.append("\\u00")
            text.append(hexDigits[Int(b >> 4)])
            text.append(hexDigits[Int(b & 0xf)])
        }
    }
}
