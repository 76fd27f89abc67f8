import NIOCore
import ThinkEditCore

/// A request body as the pieces it goes out in: the JSON text around its images, and each image's
/// base64 as the shared buffer its `ImagePayload` made once. The transport hands the pieces to the
/// socket as they are, so a few megabytes of base64 are never copied into the body, nor the body
/// into the HTTP client's buffers (at 1024×1024 a turn sends about 14 MB of it).
package struct WireBody: Sendable {
    package private(set) var pieces: [ByteBuffer] = []
    /// The body's length in bytes.
    package private(set) var count = 0

    init() {}

    init(_ bytes: [UInt8]) {
        append(ByteBuffer(bytes: bytes))
    }

    package mutating func append(_ piece: ByteBuffer) {
        guard piece.readableBytes > 0 else { return }
        pieces.append(piece)
        count += piece.readableBytes
    }

    /// The whole body in one array (a batch file's line, a test's comparison): a copy.
    package var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for piece in pieces { out.append(contentsOf: piece.readableBytesView) }
        return out
    }
}

/// A JSON value of a request body, where a string may be an image's shared base64. Objects are
/// written with their keys in byte order, as `JSONValue.canonicalText` writes them, so a body is
/// the same bytes whether its images are pieces or inline text.
package indirect enum WireValue: Sendable {
    case json(JSONValue)
    case object([(String, WireValue)])
    case array([WireValue])
    /// A string: `prefix` (a `data:` URL's head, or nothing), then the bytes of `base64`, which
    /// must be base64 text (nothing in it needs a JSON escape).
    case base64(prefix: String, ByteBuffer)

    package static func string(_ s: String) -> WireValue { .json(.string(s)) }
}

extension WireJSON {
    /// The fields a driver sets, then the config's `extra` fields (steps, guidance, sizes...) that
    /// it does not set itself (`extra` never replaces a driver's own field), as one JSON object in
    /// pieces (see `WireBody`).
    package static func body(_ fields: [(String, WireValue)], extra: [(String, JSONValue)]) -> WireBody {
        var all = fields
        for (k, v) in extra where !fields.contains(where: { $0.0 == k }) { all.append((k, .json(v))) }
        var assembly = Assembly()
        assembly.write(.object(all))
        return assembly.finish()
    }

    /// Writes a `WireValue` as JSON text, cutting the text into a piece before each image's base64.
    private struct Assembly {
        var writer = JSONWriter()
        var body = WireBody()

        mutating func write(_ value: WireValue) {
            switch value {
            case .json(let v):
                writer.canonical(v)
            case .object(let members):
                writer.beginObject()
                for (k, v) in members.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
                    writer.key(k)
                    write(v)
                }
                writer.endObject()
            case .array(let items):
                writer.beginArray()
                for item in items { write(item) }
                writer.endArray()
            case .base64(let prefix, let buffer):
                // The opening quote goes through the writer (it places the comma); the text so far
                // becomes a piece, the base64 follows as it is, and the closing quote starts the next.
                writer.raw("\"" + prefix)
                flush()
                body.append(buffer)
                writer.text.append("\"")
            }
        }

        private mutating func flush() {
            body.append(ByteBuffer(string: writer.text))
            writer.text.removeAll(keepingCapacity: true)
        }

        mutating func finish() -> WireBody {
            flush()
            return body
        }
    }
}
