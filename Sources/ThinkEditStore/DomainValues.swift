import GRDB
import ThinkEditCore

// The domain's words as database values: each is stored as its raw name (the text the schema's
// comments list), bound as an argument rather than written into SQL, and read back checked.

extension StageName: DatabaseValueConvertible {}
extension StageStatus: DatabaseValueConvertible {}
extension TrajectoryStatus: DatabaseValueConvertible {}
extension TrajectoryOrigin: DatabaseValueConvertible {}
extension EndReason: DatabaseValueConvertible {}
extension DatasetSplit: DatabaseValueConvertible {}
extension CallErrorClass: DatabaseValueConvertible {}
extension ImageFormat: DatabaseValueConvertible {}
extension DropReason: DatabaseValueConvertible {}
extension SampleKind: DatabaseValueConvertible {}
extension CallKind: DatabaseValueConvertible {}
extension CallOutcome: DatabaseValueConvertible {}
extension BatchState: DatabaseValueConvertible {}
extension BatchRequestState: DatabaseValueConvertible {}

extension RawRepresentable where RawValue == String {
    /// The word stored as `text` in `column`; a name the enum does not know is a damaged (or
    /// newer) database, reported with the column and the value rather than a crash.
    package static func stored(_ text: String, column: String) throws -> Self {
        guard let word = Self(rawValue: text) else {
            throw StoreError.corrupt(path: "column \(column)", reason: "unknown value \"\(text)\" (expected one of the \(Self.self) names)")
        }
        return word
    }
}

extension Row {
    /// The word in `column`, nil when the column is NULL.
    package func word<W: RawRepresentable>(_ column: String, as _: W.Type = W.self) throws -> W? where W.RawValue == String {
        guard let text: String = self[column] else { return nil }
        return try W.stored(text, column: column)
    }

    /// The word in `column`, which must hold one.
    package func word<W: RawRepresentable>(_ column: String, as _: W.Type = W.self) throws -> W where W.RawValue == String {
        guard let word: W = try word(column) else { throw StoreError.corrupt(path: "column \(column)", reason: "NULL where a \(W.self) is required") }
        return word
    }

    /// Counts by word from rows of `key` and `n`.
    package static func tally<W: RawRepresentable & Hashable>(_ db: Database, sql: String, arguments: StatementArguments = StatementArguments(),
                                                                  as _: W.Type = W.self) throws -> [W: Int] where W.RawValue == String {
        var out: [W: Int] = [:]
        for (key, n) in try decodeAll(db, sql: sql, arguments: arguments, { (try $0.word("key", as: W.self), $0["n"] as Int) }) { out[key] = n }
        return out
    }
}

extension Dictionary where Key: RawRepresentable, Key.RawValue == String, Value == Int {
    /// The counts by name, in name order: what reports and JSON print.
    package var byName: [(name: String, count: Int)] {
        map { ($0.key.rawValue, $0.value) }.sorted { $0.name < $1.name }
    }
}
