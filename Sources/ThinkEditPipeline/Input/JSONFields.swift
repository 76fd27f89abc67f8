import ThinkEditCore

/// A field of a JSONL row that has the wrong type; the message names the field.
struct FieldError: Error, CustomStringConvertible {
    var description: String
}

/// Typed, path-aware reads of a parsed JSON object. Absent keys read as nil (the importers report
/// missing fields by name); present keys of the wrong type are an error naming the field.
struct JSONFields {
    let pairs: [(String, JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String = "") throws(FieldError) {
        guard case .object(let pairs) = value else {
            throw FieldError(description: path.isEmpty ? "must be a JSON object" : "field \"\(path)\" must be an object")
        }
        self.pairs = pairs
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func raw(_ key: String) -> JSONValue? {
        for (k, v) in pairs where k == key { return v }
        return nil
    }

    private func wrong(_ key: String, _ expected: String) -> FieldError {
        FieldError(description: "field \"\(name(key))\" must be \(expected)")
    }

    func string(_ key: String) throws(FieldError) -> String? {
        guard let v = raw(key) else { return nil }
        guard case .string(let s) = v else { throw wrong(key, "a string") }
        return s
    }

    func int(_ key: String) throws(FieldError) -> Int? {
        guard let v = raw(key) else { return nil }
        guard case .integer(let i) = v else { throw wrong(key, "an integer") }
        return Int(i)
    }

    func uint64(_ key: String) throws(FieldError) -> UInt64? {
        guard let v = raw(key) else { return nil }
        switch v {
        case .integer(let i) where i >= 0: return UInt64(i)
        case .unsigned(let u): return u
        default: throw wrong(key, "a non-negative integer")
        }
    }

    func double(_ key: String) throws(FieldError) -> Double? {
        guard let v = raw(key) else { return nil }
        switch v {
        case .integer(let i): return Double(i)
        case .unsigned(let u): return Double(u)
        case .number(let d): return d
        default: throw wrong(key, "a number")
        }
    }

    /// A judge's number, remembering whether it was written as an integer.
    func scoreNumber(_ key: String) throws(FieldError) -> ScoreNumber? {
        guard let v = raw(key) else { return nil }
        switch v {
        case .integer(let i): return ScoreNumber(Int(i))
        case .number(let d): return ScoreNumber(decimal: d)
        default: throw wrong(key, "a number")
        }
    }

    func object(_ key: String) throws(FieldError) -> JSONFields? {
        guard let v = raw(key) else { return nil }
        return try JSONFields(v, path: name(key))
    }

    func array(_ key: String) throws(FieldError) -> [JSONValue]? {
        guard let v = raw(key) else { return nil }
        guard case .array(let items) = v else { throw wrong(key, "a list") }
        return items
    }
}

/// Parses one JSONL line into a row with `make`; JSON syntax errors and field type errors become
/// one sentence about the line.
func parseRow<T>(_ bytes: UnsafeBufferPointer<UInt8>, _ make: (JSONValue) throws(FieldError) -> T) -> Result<T, FieldError> {
    do {
        let value = try JSONParser.parse(bytes)
        return .success(try make(value))
    } catch let e as JSONParseError {
        return .failure(FieldError(description: e.description))
    } catch let e as FieldError {
        return .failure(e)
    } catch {
        return .failure(FieldError(description: "\(error)"))
    }
}

extension String {
    /// True when the string is empty or only whitespace. (Foundation's trimming is far slower, and
    /// imports ask this for every field of every row.)
    var isBlank: Bool {
        for c in utf8 where !(c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) {
            return c < 0x80 ? false : allSatisfy(\.isWhitespace)
        }
        return true
    }
}
