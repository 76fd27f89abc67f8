import GRDB
import GRDBSQLite
import ThinkEditCore

/// A SELECT stepped through the SQLite C API, for the curation stages that read every turn or
/// sample of a run: reading columns by index without building a GRDB `Row` per row is most of
/// what those reads cost at hundreds of thousands of rows. Use it inside one read or write
/// access; column indexes are 0-based, in the order of the SELECT.
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

    package func isNull(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }
    package func int64(_ i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }
    package func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(handle, i)) }
    package func double(_ i: Int32) -> Double { sqlite3_column_double(handle, i) }
    package func bool(_ i: Int32) -> Bool { sqlite3_column_int64(handle, i) != 0 }
    package func optionalDouble(_ i: Int32) -> Double? { isNull(i) ? nil : double(i) }

    package func string(_ i: Int32) -> String {
        guard let text = sqlite3_column_text(handle, i) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, i))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    package func optionalString(_ i: Int32) -> String? { isNull(i) ? nil : string(i) }

    /// An untyped score column as the judge gave it: an integer stays an integer, a real a
    /// decimal; nil for NULL or text.
    package func scoreNumber(_ i: Int32) -> ScoreNumber? {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return ScoreNumber(Int(sqlite3_column_int64(handle, i)))
        case SQLITE_FLOAT: return ScoreNumber(decimal: sqlite3_column_double(handle, i))
        default: return nil
        }
    }
}
