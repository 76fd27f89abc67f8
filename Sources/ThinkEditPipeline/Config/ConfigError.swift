/// A config file that cannot be used, with the place and the fix.
struct ConfigError: Error, CustomStringConvertible, Equatable {
    package enum Kind: String, Sendable, Equatable {
        case unreadable, syntax, unknownKey, wrongType, missing, invalidValue
    }

    package let kind: Kind
    package let file: String
    /// 1-based line of the offending node, when known.
    package let line: Int?
    /// Dotted key path (`rl.min_variance`, `backends.editor.endpoints[1]`).
    package let key: String
    package let message: String

    init(_ kind: Kind, file: String, line: Int?, key: String, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    package var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        let what = key.isEmpty ? "" : " \(key):"
        return "\(place):\(what) \(message)"
    }
}
