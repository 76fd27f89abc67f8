/// A config file that cannot be used, with the place and the fix.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case unreadable, syntax, unknownKey, wrongType, missing, invalidValue
    }

    public let kind: Kind
    public let file: String
    /// 1-based line of the offending node, when known.
    public let line: Int?
    /// Dotted key path (`rl.min_variance`, `backends.editor.endpoints[1]`).
    public let key: String
    public let message: String

    public init(_ kind: Kind, file: String, line: Int?, key: String, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        let what = key.isEmpty ? "" : " \(key):"
        return "\(place):\(what) \(message)"
    }
}
