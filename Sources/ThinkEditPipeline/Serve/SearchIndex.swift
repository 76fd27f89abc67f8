import Foundation
import GRDB
import ThinkEditCore
import ThinkEditStore

/// The full-text index `thinkedit serve` searches: an SQLite FTS5 table with one document per
/// trajectory (its instruction `T` and every `T_t` in `instructions`; every `R_t` and the stop
/// reasoning in `reasoning`), in a database file of its own that serve owns, beside the run
/// (`<workdir>/serve-search.sqlite`, or under the temporary folder when the run's folder cannot
/// be written). The run database is never written: serve reads it through a read-only connection
/// and attaches this file to it as `search`, so one query filters, searches and pages.
///
/// Why not a table in the run database: every writer (generate, imports, merge) would have to keep
/// it current inside its transactions, and the schema would grow a table only the browser reads.
/// Here the index is a cache: deleting the file loses nothing, and serve rebuilds it.
///
/// Contract: `refresh` brings the index up to date with one snapshot of the run: a trajectory is
/// indexed again when its number of turns or its stop reasoning changed (turn texts are written
/// once, with the expert's answer), and dropped when the run no longer has it. Searches between
/// refreshes see the index of the last refresh.
package final class SearchIndex: Sendable {
    package let path: String
    let pool: DatabasePool

    /// Opens (creating when needed) the index of the run in `workdir`.
    package init(workdir: String) throws {
        let beside = (workdir as NSString).appendingPathComponent("serve-search.sqlite")
        path = access(workdir, W_OK) == 0 ? beside
            : (NSTemporaryDirectory() as NSString).appendingPathComponent("thinkedit-serve-\(ContentHash.sha256Hex(workdir).prefix(16)).sqlite")
        var config = Configuration()
        config.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try pool.write { db in
                try db.execute(sql: """
                    CREATE VIRTUAL TABLE IF NOT EXISTS doc USING fts5(instructions, reasoning, tokenize = 'porter unicode61');
                    CREATE TABLE IF NOT EXISTS indexed (seq INTEGER PRIMARY KEY, signature INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
                    """)
                try db.execute(sql: Self.rankSchema)
            }
        } catch let error as DatabaseError {
            throw StoreError.notWritable(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// Attaches the index as `search` to a connection of the run (read-only there too).
    package func attach(_ db: Database) throws {
        try db.execute(sql: "ATTACH DATABASE ? AS search", arguments: [path])
    }

    /// What a refresh did.
    package struct Refresh: Sendable, Hashable {
        var indexed: Int
        package var removed: Int
        var documents: Int
        /// Trajectories whose sort values (`rank`) were written anew or dropped.
        package var ranked: Int = 0
    }

    /// Trajectories whose texts are read at once.
    static let batch = 2000

    /// Brings the index up to date with the run (see the type's contract).
    @discardableResult
    package func refresh(from store: RunStore) throws -> Refresh {
        // The signature of a trajectory's texts: its turns, and whether the expert stopped.
        let current: [Int64: Int64] = try store.read { db in
            var out: [Int64: Int64] = [:]
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT t.seq, (SELECT count(*) FROM turn u WHERE u.trajectory = t.seq) * 2 + (t.stop_reasoning IS NOT NULL) AS signature
                FROM trajectory t
                """)
            while let r = try cursor.next() { out[r["seq"]] = r["signature"] }
            return out
        }
        let known: [Int64: Int64] = try pool.read { db in
            var out: [Int64: Int64] = [:]
            let cursor = try Row.fetchCursor(db, sql: "SELECT seq, signature FROM indexed")
            while let r = try cursor.next() { out[r["seq"]] = r["signature"] }
            return out
        }
        let changed = current.filter { known[$0.key] != $0.value }.keys.sorted()
        let gone = known.keys.filter { current[$0] == nil }
        for start in stride(from: 0, to: changed.count, by: Self.batch) {
            let seqs = Array(changed[start..<min(changed.count, start + Self.batch)])
            let texts = try store.read { db in
                try Row.decodeAll(db, sql: """
                    SELECT t.seq, t.instruction || char(10) || coalesce((SELECT group_concat(u.instruction, char(10)) FROM turn u WHERE u.trajectory = t.seq), '') AS instructions,
                           coalesce((SELECT group_concat(u.reasoning, char(10)) FROM turn u WHERE u.trajectory = t.seq AND u.reasoning IS NOT NULL), '')
                             || char(10) || coalesce(t.stop_reasoning, '') AS reasoning
                    FROM trajectory t WHERE t.seq IN (\(seqs.map(String.init).joined(separator: ",")))
                    """) { ($0["seq"] as Int64, $0["instructions"] as String, $0["reasoning"] as String) }
            }
            try pool.write { db in
                for (seq, instructions, reasoning) in texts {
                    try db.execute(sql: "DELETE FROM doc WHERE rowid = ?", arguments: [seq])
                    try db.execute(sql: "INSERT INTO doc(rowid, instructions, reasoning) VALUES (?, ?, ?)", arguments: [seq, instructions, reasoning])
                    try db.execute(sql: "INSERT OR REPLACE INTO indexed(seq, signature) VALUES (?, ?)", arguments: [seq, current[seq]!])
                }
            }
        }
        if !gone.isEmpty {
            try pool.write { db in
                for seq in gone {
                    try db.execute(sql: "DELETE FROM doc WHERE rowid = ?", arguments: [seq])
                    try db.execute(sql: "DELETE FROM indexed WHERE seq = ?", arguments: [seq])
                }
            }
        }
        let refresh = Refresh(indexed: changed.count, removed: gone.count, documents: current.count, ranked: try refreshRank(from: store))
        // A large refresh (the first one builds both indexes) frees what it held; without this the
        // overview made next would grow the heap on top of it.
        if refresh.indexed + refresh.removed + refresh.ranked > Self.batch { Heap.releaseFreed() }
        return refresh
    }

    /// Documents in the index.
    package func documents() throws -> Int {
        try pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM indexed") ?? 0 }
    }

    /// The FTS5 query for what a user typed: every word must occur (a word ending in `*` is a
    /// prefix). Each word is quoted, so FTS5's operators and punctuation are plain text and no
    /// input is a syntax error. Nil when there is no word.
    static func matchExpression(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0.isWhitespace })
        guard !words.isEmpty else { return nil }
        return words.map { w -> String in
            let prefix = w.count > 1 && w.hasSuffix("*")
            let body = prefix ? w.dropLast() : w[...]
            return "\"" + body.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (prefix ? "*" : "")
        }.joined(separator: " ")
    }
}

