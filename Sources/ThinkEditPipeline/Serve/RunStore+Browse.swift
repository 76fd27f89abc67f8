import GRDB
import ThinkEditCore
import ThinkEditStore

/// One page of the trajectory table: the rows, the position after the last one (nil on the last
/// page) and how many trajectories match in all.
package struct BrowsePage: Sendable {
    package var rows: [ReportTrajectory]
    package var next: BrowseQuery.Cursor?
    package var total: Int
}

/// The values the table's filters offer, each with its count.
package struct BrowseFacets: Sendable {
    package var tasks: [(String, Int)] = []
    package var editors: [(String, Int)] = []
    package var endReasons: [(String, Int)] = []
    package var dropReasons: [(String, Int)] = []
    package var failedClasses: [(String, Int)] = []
}

extension RunStore {
    /// One page of `query`, read in one snapshot. Paged by keyset: the rows after
    /// `query.after` in the query's order (its sort value, then id), never by OFFSET. `total`, when
    /// given, is the match count already known for these filters (it is counted otherwise).
    package func browse(_ query: BrowseQuery, total: Int? = nil) throws -> BrowsePage {
        try read { db in
            let (sql, arguments) = query.pageSQL()
            let statement = try db.makeStatement(sql: sql)
            var rows = try ReportTrajectoryReader(db).read(statement, arguments: arguments)
            var next: BrowseQuery.Cursor? = nil
            if rows.count > query.pageSize {
                rows.removeLast()
                let last = rows[rows.count - 1]
                var value: Double? = nil
                if query.sort != .id {
                    value = try Double.fetchOne(db, sql: "SELECT r.\(query.sort.rawValue) FROM search.rank r JOIN trajectory t ON t.seq = r.seq WHERE t.id = ?",
                                                arguments: [last.id])
                }
                next = BrowseQuery.Cursor(value: value, id: last.id)
            }
            return BrowsePage(rows: rows, next: next, total: try total ?? Int.fetchOne(db, sql: query.countSQL().sql, arguments: query.countSQL().arguments) ?? 0)
        }
    }

    /// How many trajectories match `query`'s filters (its sort and position aside).
    func browseCount(_ query: BrowseQuery) throws -> Int {
        try read { db in try Int.fetchOne(db, sql: query.countSQL().sql, arguments: query.countSQL().arguments) ?? 0 }
    }

    /// A trajectory by id, with the ids before and after it in byte order; nil when the run has none.
    package func browseTrajectory(id: String) throws -> (trajectory: ReportTrajectory, previous: String?, next: String?)? {
        try read { db in
            let statement = try db.makeStatement(sql: ReportTrajectoryReader.select + " WHERE t.id = ?")
            guard let t = try ReportTrajectoryReader(db).read(statement, arguments: [id]).first else { return nil }
            let previous = try String.fetchOne(db, sql: "SELECT id FROM trajectory WHERE id < ? ORDER BY id DESC LIMIT 1", arguments: [id])
            let next = try String.fetchOne(db, sql: "SELECT id FROM trajectory WHERE id > ? ORDER BY id LIMIT 1", arguments: [id])
            return (t, previous, next)
        }
    }

    /// The stored image with this hash; nil when the run has none.
    package func imageRecord(hash: String) throws -> ImageRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT hash, format, width, height, bytes FROM image WHERE hash = ?", arguments: [hash])
                .map { try ImageRecord(row: $0) }
        }
    }

    /// The filter values present in the run, with their counts.
    package func browseFacets() throws -> BrowseFacets {
        try read { db in
            func counts(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> [(String, Int)] {
                try Row.decodeAll(db, sql: sql, arguments: arguments) { ($0["key"] as String, $0["n"] as Int) }
            }
            var f = BrowseFacets()
            f.tasks = try counts("SELECT task AS key, count(*) AS n FROM trajectory GROUP BY 1 ORDER BY 1")
            f.editors = try counts("SELECT editor AS key, count(*) AS n FROM trajectory GROUP BY 1 ORDER BY 1")
            f.endReasons = try counts("SELECT end_reason AS key, count(*) AS n FROM trajectory WHERE end_reason IS NOT NULL GROUP BY 1 ORDER BY 1")
            f.dropReasons = try counts("SELECT drop_reason AS key, count(*) AS n FROM curation WHERE kept = 0 GROUP BY 1 ORDER BY 1")
            f.failedClasses = try counts("""
                SELECT coalesce(error_class, ?) AS key, count(*) AS n FROM trajectory WHERE status = ? GROUP BY 1 ORDER BY 1
                """, [CallErrorClass.unknown, TrajectoryStatus.failed])
            return f
        }
    }

    /// A value that changes whenever the run does in a way the overview shows: the data version
    /// (trajectories, turns, scores), the stage journal and the call journal. Cheap: a few
    /// lookups by primary key.
    package func changeToken() throws -> String {
        try read { db in
            let r = try Row.fetchOne(db, sql: """
                SELECT (SELECT value FROM run_meta WHERE key = 'data_version') AS v,
                       (SELECT max(id) FROM stage_run) AS s,
                       (SELECT finished_at FROM stage_run ORDER BY id DESC LIMIT 1) AS f,
                       (SELECT max(id) FROM call) AS c,
                       (SELECT max(seq) FROM trajectory) AS t
                """)
            return [r?["v"] as String?, (r?["s"] as Int64?).map(String.init), (r?["f"] as Double?).map { "\($0)" },
                    (r?["c"] as Int64?).map(String.init), (r?["t"] as Int64?).map(String.init)]
                .map { $0 ?? "-" }.joined(separator: ":")
        }
    }
}
