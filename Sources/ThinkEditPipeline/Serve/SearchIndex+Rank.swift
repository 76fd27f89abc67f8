import GRDB
import ThinkEditCore
import ThinkEditStore

// The serve index's second table: each trajectory's sort values, so that a sorted page of the
// trajectory table walks an index and reads one page of rows, instead of computing the first and
// best scores and the edited turns of every trajectory and sorting them all on each request
// (about a second at 170,000 trajectories). Like the search documents, the values are those of
// the last refresh.

extension SearchIndex {
    /// `rank`: one row per trajectory with the values `BrowseQuery.Sort` orders by, each as the
    /// table sorts it (no score is -1e300, below every value), and an index per order and
    /// direction with the id as tie-break (ascending in both directions, as the table breaks ties).
    static let rankSchema = """
        CREATE TABLE IF NOT EXISTS rank (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL,
            first REAL NOT NULL, best REAL NOT NULL, variance REAL NOT NULL, turns INTEGER NOT NULL);
        """ + BrowseQuery.Sort.allCases.filter { $0 != .id }.map { s in
            "CREATE INDEX IF NOT EXISTS rank_\(s.rawValue) ON rank(\(s.rawValue), id); CREATE INDEX IF NOT EXISTS rank_\(s.rawValue)_desc ON rank(\(s.rawValue) DESC, id);"
        }.joined(separator: "\n")

    /// Trajectories compared and written per step: what a refresh holds in memory at once.
    static let rankChunk = 5000

    /// Brings `rank` up to date with the run, `rankChunk` trajectories at a time in seq order:
    /// each of the run's values is compared with the stored one, and only rows that differ are
    /// written (stored rows the run no longer has are deleted). Returns how many
    /// rows were written or deleted.
    func refreshRank(from store: RunStore, chunk: Int = SearchIndex.rankChunk) throws -> Int {
        typealias Values = (id: String, first: Double, best: Double, variance: Double, turns: Int64)
        var changed = 0
        var after = Int64.min
        while true {
            // The run's chunk; `upper` is its last seq, or unbounded for the last chunk, so that
            // stored rows past the run's end are found too.
            let current: [(Int64, Values)] = try store.read { run in
                let q = try RawQuery(run, """
                    SELECT t.seq, t.id, \(BrowseQuery.Sort.first.valueSQL!) AS first, \(BrowseQuery.Sort.best.valueSQL!) AS best,
                           \(BrowseQuery.Sort.variance.valueSQL!) AS variance, \(BrowseQuery.Sort.turns.valueSQL!) AS turns
                    FROM trajectory t LEFT JOIN curation c ON c.trajectory = t.seq
                    WHERE t.seq > \(after) ORDER BY t.seq LIMIT \(Self.rankChunk)
                    """)
                let c = (seq: q.column("seq"), id: q.column("id"), first: q.column("first"), best: q.column("best"),
                         variance: q.column("variance"), turns: q.column("turns"))
                var rows: [(Int64, Values)] = []
                rows.reserveCapacity(chunk)
                while try q.next() {
                    rows.append((q.int64(c.seq), (q.string(c.id), q.double(c.first), q.double(c.best), q.double(c.variance), q.int64(c.turns))))
                }
                return rows
            }
            let last = current.count == chunk ? current[current.count - 1].0 : Int64.max
            let stored: [Int64: Values] = try pool.read { index in
                let q = try RawQuery(index, "SELECT seq, id, first, best, variance, turns FROM rank WHERE seq > \(after) AND seq <= \(last)")
                let c = (seq: q.column("seq"), id: q.column("id"), first: q.column("first"), best: q.column("best"),
                         variance: q.column("variance"), turns: q.column("turns"))
                var rows: [Int64: Values] = [:]
                while try q.next() {
                    rows[q.int64(c.seq)] = (q.string(c.id), q.double(c.first), q.double(c.best), q.double(c.variance), q.int64(c.turns))
                }
                return rows
            }
            var gone = Set(stored.keys)
            var upserts: [(Int64, Values)] = []
            for (seq, values) in current {
                gone.remove(seq)
                if let held = stored[seq], held == values { continue }
                upserts.append((seq, values))
            }
            if !upserts.isEmpty || !gone.isEmpty {
                try pool.write { db in
                    let put = try db.cachedStatement(sql: "INSERT OR REPLACE INTO rank(seq, id, first, best, variance, turns) VALUES (?, ?, ?, ?, ?, ?)")
                    for (seq, v) in upserts { try put.execute(arguments: [seq, v.id, v.first, v.best, v.variance, v.turns]) }
                    let drop = try db.cachedStatement(sql: "DELETE FROM rank WHERE seq = ?")
                    for seq in gone.sorted() { try drop.execute(arguments: [seq]) }
                }
            }
            changed += upserts.count + gone.count
            if last == Int64.max { return changed }
            after = last
        }
    }
}
