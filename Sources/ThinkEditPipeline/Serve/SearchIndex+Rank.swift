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

    /// Rows written per transaction.
    static let rankBatch = 5000

    /// Brings `rank` up to date with the run: the run's values and the stored ones are walked side
    /// by side in seq order (no copy of either in memory), and only rows that differ are written.
    /// Returns how many rows were written or deleted.
    func refreshRank(from store: RunStore) throws -> Int {
        typealias Values = (id: String, first: Double, best: Double, variance: Double, turns: Int64)
        var upserts: [(Int64, Values)] = []
        var deletes: [Int64] = []
        var changed = 0
        func flush() throws {
            guard !upserts.isEmpty || !deletes.isEmpty else { return }
            let (u, d) = (upserts, deletes)
            upserts.removeAll(keepingCapacity: true)
            deletes.removeAll(keepingCapacity: true)
            try pool.write { db in
                let put = try db.cachedStatement(sql: "INSERT OR REPLACE INTO rank(seq, id, first, best, variance, turns) VALUES (?, ?, ?, ?, ?, ?)")
                for (seq, v) in u { try put.execute(arguments: [seq, v.id, v.first, v.best, v.variance, v.turns]) }
                let drop = try db.cachedStatement(sql: "DELETE FROM rank WHERE seq = ?")
                for seq in d { try drop.execute(arguments: [seq]) }
            }
        }
        try store.read { run in
            let current = try RawQuery(run, """
                SELECT t.seq, t.id, \(BrowseQuery.Sort.first.valueSQL!) AS first, \(BrowseQuery.Sort.best.valueSQL!) AS best,
                       \(BrowseQuery.Sort.variance.valueSQL!) AS variance, \(BrowseQuery.Sort.turns.valueSQL!) AS turns
                FROM trajectory t LEFT JOIN curation c ON c.trajectory = t.seq ORDER BY t.seq
                """)
            let c = (seq: current.column("seq"), id: current.column("id"), first: current.column("first"), best: current.column("best"),
                     variance: current.column("variance"), turns: current.column("turns"))
            try pool.read { index in
                let stored = try RawQuery(index, "SELECT seq, id, first, best, variance, turns FROM rank ORDER BY seq")
                let s = (seq: stored.column("seq"), id: stored.column("id"), first: stored.column("first"), best: stored.column("best"),
                         variance: stored.column("variance"), turns: stored.column("turns"))
                var haveRun = try current.next(), haveStored = try stored.next()
                while haveRun || haveStored {
                    let runSeq = haveRun ? current.int64(c.seq) : Int64.max
                    let storedSeq = haveStored ? stored.int64(s.seq) : Int64.max
                    if storedSeq < runSeq {
                        deletes.append(storedSeq)
                        haveStored = try stored.next()
                        continue
                    }
                    let v: Values = (current.string(c.id), current.double(c.first), current.double(c.best), current.double(c.variance), current.int64(c.turns))
                    let same = storedSeq == runSeq && stored.string(s.id) == v.id && stored.double(s.first) == v.first
                        && stored.double(s.best) == v.best && stored.double(s.variance) == v.variance && stored.int64(s.turns) == v.turns
                    if !same { upserts.append((runSeq, v)) }
                    if storedSeq == runSeq { haveStored = try stored.next() }
                    haveRun = try current.next()
                }
            }
        }
        changed = upserts.count + deletes.count
        // Written after both reads ended (the index's reader would not see its own writer's rows
        // mid-walk anyway), in transactions of `rankBatch`.
        let allUpserts = upserts, allDeletes = deletes
        for start in stride(from: 0, to: allUpserts.count, by: Self.rankBatch) {
            upserts = Array(allUpserts[start..<min(allUpserts.count, start + Self.rankBatch)])
            deletes = []
            try flush()
        }
        deletes = allDeletes
        try flush()
        return changed
    }
}
