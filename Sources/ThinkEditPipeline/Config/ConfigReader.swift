import Foundation
import Yams

/// Walks a composed YAML tree with the expected schema in hand, so that every error can name the
/// file, the line and the key, and every key the schema does not read is reported as unknown.
struct ConfigReader {
    let file: String

    func error(_ kind: ConfigError.Kind, _ node: Node?, _ key: String, _ message: String) -> ConfigError {
        ConfigError(kind, file: file, line: node?.mark?.line, key: key, message)
    }

    /// A mapping whose keys are read one by one; `finish()` rejects whatever was not read.
    struct Mapping {
        let reader: ConfigReader
        let node: Node
        let path: String
        private(set) var entries: [(key: String, keyNode: Node, value: Node)] = []
        private var used: Set<String> = []

        init(reader: ConfigReader, node: Node, path: String) throws {
            self.reader = reader
            self.node = node
            self.path = path
            guard case .mapping(let mapping) = node else {
                throw reader.error(.wrongType, node, path, "expected a mapping (key: value lines), found \(describe(node))")
            }
            var seen: Set<String> = []
            for (k, v) in mapping {
                guard let name = k.string else {
                    throw reader.error(.wrongType, k, path, "a key must be a plain string")
                }
                if !seen.insert(name).inserted {
                    throw reader.error(.invalidValue, k, join(path, name), "the key appears twice; keep one")
                }
                entries.append((name, k, v))
            }
        }

        func child(_ key: String) -> String { join(path, key) }

        /// The value node for `key`, or nil when absent or explicitly null.
        mutating func value(_ key: String) -> Node? {
            used.insert(key)
            guard let entry = entries.first(where: { $0.key == key }) else { return nil }
            if case .scalar(let s) = entry.value, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) {
                return nil
            }
            return entry.value
        }

        mutating func has(_ key: String) -> Bool { value(key) != nil }

        mutating func string(_ key: String) throws -> String? {
            guard let v = value(key) else { return nil }
            guard case .scalar(let s) = v else {
                throw reader.error(.wrongType, v, child(key), "expected a text value, found \(describe(v))")
            }
            return s.string
        }

        mutating func nonEmptyString(_ key: String) throws -> String? {
            guard let s = try string(key) else { return nil }
            if s.trimmingCharacters(in: .whitespaces).isEmpty {
                throw reader.error(.invalidValue, value(key), child(key), "must not be empty")
            }
            return s
        }

        mutating func int(_ key: String, range: ClosedRange<Int>? = nil) throws -> Int? {
            guard let v = value(key) else { return nil }
            guard case .scalar = v, let i = v.int else {
                throw reader.error(.wrongType, v, child(key), "expected a whole number, found \(describe(v))")
            }
            if let range, !range.contains(i) {
                throw reader.error(.invalidValue, v, child(key), "must be between \(range.lowerBound) and \(range.upperBound), found \(i)")
            }
            return i
        }

        mutating func double(_ key: String, range: ClosedRange<Double>? = nil) throws -> Double? {
            guard let v = value(key) else { return nil }
            guard case .scalar = v, let d = v.float, d.isFinite else {
                throw reader.error(.wrongType, v, child(key), "expected a number, found \(describe(v))")
            }
            if let range, !range.contains(d) {
                throw reader.error(.invalidValue, v, child(key), "must be between \(range.lowerBound) and \(range.upperBound), found \(d)")
            }
            return d
        }

        mutating func bool(_ key: String) throws -> Bool? {
            guard let v = value(key) else { return nil }
            guard case .scalar = v, let b = v.bool else {
                throw reader.error(.wrongType, v, child(key), "expected true or false, found \(describe(v))")
            }
            return b
        }

        mutating func mapping(_ key: String) throws -> Mapping? {
            guard let v = value(key) else { return nil }
            return try Mapping(reader: reader, node: v, path: child(key))
        }

        mutating func stringList(_ key: String) throws -> [String]? {
            guard let v = value(key) else { return nil }
            guard case .sequence(let seq) = v else {
                throw reader.error(.wrongType, v, child(key), "expected a list, found \(describe(v))")
            }
            return try seq.enumerated().map { i, item in
                guard case .scalar(let s) = item, !s.string.isEmpty else {
                    throw reader.error(.wrongType, item, "\(child(key))[\(i)]", "expected a non-empty text value, found \(describe(item))")
                }
                return s.string
            }
        }

        mutating func stringMap(_ key: String) throws -> [String: String]? {
            guard var m = try mapping(key) else { return nil }
            var out: [String: String] = [:]
            for entry in m.entries {
                out[entry.key] = try m.nonEmptyString(entry.key)
            }
            return out
        }

        func required<T>(_ v: T?, _ key: String, hint: String) throws -> T {
            guard let v else {
                throw reader.error(.missing, node, child(key), "is required but missing: \(hint)")
            }
            return v
        }

        /// Rejects every key that the schema did not read.
        func finish(allowed: [String]? = nil) throws {
            for entry in entries where !used.contains(entry.key) {
                let known = (allowed ?? Array(used)).sorted().joined(separator: ", ")
                throw reader.error(.unknownKey, entry.keyNode, join(path, entry.key), "unknown key; known keys here: \(known)")
            }
        }
    }
}

func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

func describe(_ node: Node) -> String {
    switch node {
    case .scalar(let s): return "\"\(s.string)\""
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
}
