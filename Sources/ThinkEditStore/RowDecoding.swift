import GRDB
import ThinkEditCore

// Rows are read by column name, never by position, so a query's column list can change without
// silently shifting what each value means.

extension Statement {
    /// The position of the column `name` in this statement's rows. Loops over many rows (curation
    /// reads millions) look each name up once here and then read by that position; the name, not
    /// a hand-counted number, still says which column is meant.
    package func column(_ name: String) -> Int {
        guard let index = index(ofColumn: name) else {
            preconditionFailure("the query has no column \(name): \(sql)")
        }
        return index
    }
}

extension Row {
    /// Every row of a query, each turned into a value while it is current. Rows read from a
    /// cursor find a column name in the statement's table; copied rows (`fetchAll`) would search
    /// their column list on every lookup.
    package static func decodeAll<T>(_ db: Database, sql: String, arguments: StatementArguments = StatementArguments(),
                                      _ decode: (Row) throws -> T) throws -> [T] {
        try decodeAll(db.cachedStatement(sql: sql), arguments: arguments, decode)
    }

    /// Every row of a prepared statement, each turned into a value while it is current.
    package static func decodeAll<T>(_ statement: Statement, arguments: StatementArguments = StatementArguments(),
                                      _ decode: (Row) throws -> T) throws -> [T] {
        let cursor = try fetchCursor(statement, arguments: arguments)
        var out: [T] = []
        while let row = try cursor.next() { out.append(try decode(row)) }
        return out
    }

    /// The one row of a query, turned into a value; nil when there is none.
    static func decodeOne<T>(_ db: Database, sql: String, arguments: StatementArguments = StatementArguments(),
                                      _ decode: (Row) throws -> T) throws -> T? {
        let cursor = try fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        return try cursor.next().map(decode)
    }
}
