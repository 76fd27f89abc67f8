import GRDB
import GRDBSQLite

/// A prepared statement driven through the SQLite C API, for the bulk inserts of imports and
/// curation stages: it binds values without building `StatementArguments` for every row, which
/// is most of the cost at hundreds of thousands of rows. Use it inside one write transaction.
package final class RawInsert {
    private let handle: OpaquePointer
    private let db: Database
    /// The connection's cached statement this one drives, kept alive here (nil: owned, finalized on deinit).
    private let cached: Statement?
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    package init(_ db: Database, _ sql: String) throws {
        self.handle = try Self.prepare(db, sql)
        self.db = db
        cached = nil
    }

    /// The connection's cached statement for `sql`: compiled once per connection, for a statement
    /// run once per row of many small transactions (batch mode's commits).
    package init(cached db: Database, _ sql: String) throws {
        let statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        self.db = db
        cached = statement
    }

    /// A prepared statement for `sql` (RawInsert's and RawQuery's), or the SQLite error.
    static func prepare(_ db: Database, _ sql: String) throws -> OpaquePointer {
        var stmt: OpaquePointer? = nil
        let code = sqlite3_prepare_v2(db.sqliteConnection, sql, -1, &stmt, nil)
        guard code == SQLITE_OK, let stmt else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
        return stmt
    }

    deinit { if cached == nil { sqlite3_finalize(handle) } }

    package func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(handle, i, v) }
    package func bind(_ i: Int32, _ v: Int) { sqlite3_bind_int64(handle, i, Int64(v)) }
    package func bind(_ i: Int32, _ v: Int?) { if let v { bind(i, v) } else { sqlite3_bind_null(handle, i) } }
    package func bind(_ i: Int32, _ v: Double?) { if let v { sqlite3_bind_double(handle, i, v) } else { sqlite3_bind_null(handle, i) } }
    package func bind(_ i: Int32, _ v: Bool?) { if let v { sqlite3_bind_int64(handle, i, v ? 1 : 0) } else { sqlite3_bind_null(handle, i) } }

    package func bind(_ i: Int32, _ v: String?) {
        guard var s = v else {
            sqlite3_bind_null(handle, i)
            return
        }
        s.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { chars in
                _ = sqlite3_bind_text(handle, i, chars.baseAddress ?? UnsafePointer(bitPattern: 1), Int32(chars.count), Self.transient)
            }
        }
    }

    /// A domain word, by its name.
    package func bind<W: RawRepresentable>(_ i: Int32, _ w: W?) where W.RawValue == String { bind(i, w?.rawValue) }

    /// An integer score stays an integer in the untyped score columns.
    package func bind(_ i: Int32, _ n: ScoreNumberValue?) {
        switch n {
        case nil: sqlite3_bind_null(handle, i)
        case .integer(let v)?: sqlite3_bind_int64(handle, i, v)
        case .real(let d)?: sqlite3_bind_double(handle, i, d)
        }
    }

    /// Runs the statement with the bound values, then clears them. Returns the rows changed.
    @discardableResult
    package func step() throws -> Int {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return Int(sqlite3_changes(db.sqliteConnection))
    }

    package var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(db.sqliteConnection) }
}

/// A score number as SQLite stores it.
package enum ScoreNumberValue {
    case integer(Int64)
    case real(Double)
}

extension RawInsert {
    /// Inserts `count` rows through multi-row `INSERT … VALUES (…), (…), …` statements of up to
    /// `rowsPerStatement` rows. Each run of a statement opens its table's, indexes' and
    /// foreign-key parents' cursors once, so at millions of rows this costs about half of one
    /// statement run per row. `head` is `INSERT INTO table(columns…)`; `bind(statement, base, row)`
    /// binds row `row`'s values at parameters `base + 1 … base + columns`. Rows go in in order.
    package static func rows(
        _ db: Database, _ head: String, columns: Int, count: Int, rowsPerStatement: Int = 100,
        bind: (RawInsert, Int32, Int) -> Void
    ) throws {
        precondition(columns > 0 && rowsPerStatement > 0)
        func statement(_ rows: Int) throws -> RawInsert {
            let tuple = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
            return try RawInsert(db, head + " VALUES " + Array(repeating: tuple, count: rows).joined(separator: ", "))
        }
        var full: RawInsert? = nil
        var start = 0
        while start < count {
            let n = min(rowsPerStatement, count - start)
            let stmt: RawInsert
            if n == rowsPerStatement {
                if full == nil { full = try statement(n) }
                stmt = full!
            } else {
                stmt = try statement(n)
            }
            for r in 0..<n { bind(stmt, Int32(r * columns), start + r) }
            try stmt.step()
            start += n
        }
    }
}
