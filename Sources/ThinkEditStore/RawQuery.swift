import GRDB
import GRDBSQLite
import ThinkEditCore

/// A SELECT stepped through the SQLite C API, for the curation stages that read every turn or
/// sample of a run: reading columns by index without building a GRDB `Row` per row is most of
/// what those reads cost at hundreds of thousands of rows. Use it inside one read or write
/// access; columns are looked up by name once (`column(_:)`), then read per row through that handle.
package final class RawQuery {
    private let handle: OpaquePointer
    private let db: Database
    private let sql: String

    package init(_ db: Database, _ sql: String) throws {
        self.handle = try RawInsert.prepare(db, sql)
        self.db = db
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Moves to the next row; false after the last one.
    package func next() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
    }

    /// A column of this statement's rows, found by its name (or `AS` alias) once; rows are then
    /// read through it without a name lookup per row.
    package struct Column: Sendable {
        fileprivate let index: Int32
    }

    /// The column `name`; a name the SELECT does not have is a programming error.
    package func column(_ name: String) -> Column {
        for i in 0..<sqlite3_column_count(handle) where String(cString: sqlite3_column_name(handle, i)) == name {
            return Column(index: i)
        }
        preconditionFailure("the query has no column \(name): \(sql)")
    }

    package func isNull(_ c: Column) -> Bool { sqlite3_column_type(handle, c.index) == SQLITE_NULL }
    package func int64(_ c: Column) -> Int64 { sqlite3_column_int64(handle, c.index) }
    package func int(_ c: Column) -> Int { Int(sqlite3_column_int64(handle, c.index)) }
    package func double(_ c: Column) -> Double { sqlite3_column_double(handle, c.index) }
    package func bool(_ c: Column) -> Bool { sqlite3_column_int64(handle, c.index) != 0 }
    package func optionalDouble(_ c: Column) -> Double? { isNull(c) ? nil : double(c) }

    package func string(_ c: Column) -> String {
        guard let text = sqlite3_column_text(handle, c.index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, c.index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func optionalString(_ c: Column) -> String? { isNull(c) ? nil : string(c) }

    /// The domain word in `c`, nil for NULL; a name the enum does not know is a damaged database.
    package func word<W: RawRepresentable>(_ c: Column, as _: W.Type = W.self) throws -> W? where W.RawValue == String {
        guard let text = optionalString(c) else { return nil }
        return try W.stored(text, column: String(cString: sqlite3_column_name(handle, c.index)))
    }

    /// An untyped score column as the judge gave it: an integer stays an integer, a real a
    /// decimal; nil for NULL or text.
    package func scoreNumber(_ c: Column) -> ScoreNumber? {
        switch sqlite3_column_type(handle, c.index) {
        case SQLITE_INTEGER: return ScoreNumber(Int(sqlite3_column_int64(handle, c.index)))
        case SQLITE_FLOAT: return ScoreNumber(decimal: sqlite3_column_double(handle, c.index))
        default: return nil
        }
    }
}
