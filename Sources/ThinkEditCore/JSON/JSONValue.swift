/// Any JSON value, for the free-form parts of our formats (pool `meta`, backend `extra`).
/// `canonicalText` writes it compactly with object keys in byte order, so equal values give equal
/// text and re-imports compare equal.
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// An integer above `Int64.max` (a 64-bit seed, say).
    case unsigned(UInt64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    package static func == (a: JSONValue, b: JSONValue) -> Bool { a.canonicalText == b.canonicalText }
    package func hash(into hasher: inout Hasher) { hasher.combine(canonicalText) }

    /// The value of `key` in an object (the first, if the key repeats); nil otherwise.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        for (k, v) in pairs where k == key { return v }
        return nil
    }

    package var canonicalText: String {
        var w = JSONWriter()
        w.canonical(self)
        return w.text
    }

    /// Appends `canonicalText` to `out`.
    package func write(to out: inout String) {
        var w = JSONWriter()
        swap(&out, &w.text)
        w.canonical(self)
        swap(&out, &w.text)
    }
}

extension JSONWriter {
    /// `value` as canonical text: object keys in byte order, numbers as parsed (`JSONNumber.format`
    /// for decimals).
    package mutating func canonical(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .integer(let i): int(i)
        case .unsigned(let u): int(u)
        case .number(let d): double(d)
        case .string(let s): string(s)
        case .array(let items):
            array { w in
                for item in items { w.canonical(item) }
            }
        case .object(let pairs):
            object { w in
                for (k, v) in pairs.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
                    w.key(k)
                    w.canonical(v)
                }
            }
        }
    }
}
