#if canImport(Glibc)
import Glibc
import ThinkEditStore
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import ThinkEditCore

/// A shard's work directory opened for `merge`: its database read-only, and its write lock held
/// for as long as this value lives, so that a shard still running is refused (`StoreError.locked`)
/// and none can start writing while the merge reads it.
package final class MergeSource: Sendable {
    package let workdir: String
    let store: RunStore
    private let lock: RunLock

    private init(workdir: String, store: RunStore, lock: RunLock) {
        self.workdir = workdir
        self.store = store
        self.lock = lock
    }

    /// Opens the shard run in `workdir`. Throws `StoreError.noRun` when there is none and
    /// `StoreError.locked` while a process writes it.
    package static func open(workdir: String) throws -> MergeSource {
        let path = (workdir as NSString).appendingPathComponent("thinkedit.sqlite")
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.noRun(workdir: workdir) }
        let lock = try RunLock.acquire(workdir: workdir)
        return MergeSource(workdir: workdir, store: try RunStore.openForReading(workdir: workdir), lock: lock)
    }
}

/// One id that two sources disagree about: a shard's row differs from what the target already
/// held, or from the same id in a shard merged before it in the same merge.
package struct MergeConflict: Sendable, Hashable {
    /// `trajectory`, `pool_item` or `image`.
    package var kind: String
    package var id: String
    /// The shard work directory whose row differs.
    package var shard: String
    /// What it differs from: `nil` for the target run as it was, else the earlier shard's folder.
    package var against: String?
}

/// What a merge added to the target run.
package struct MergeSummary: Sendable, Hashable {
    var trajectoriesAdded = 0
    /// Complete trajectories the target already held with the same content (a re-merge).
    var trajectoriesPresent = 0
    /// Shard trajectories not taken because they are not complete, by status (`pending`, `failed`):
    /// finish them in their shard (`retry-failed`, `generate --shard`) and merge again.
    var leftBehind: [TrajectoryStatus: Int] = [:]
    var turnsAdded = 0
    var callsAdded = 0
    var poolItemsAdded = 0
    /// Image rows new to the target; each file is hard-linked (or copied) once.
    var imagesAdded = 0

    init() {}
}

/// A merge either adds everything or, when any id conflicts, nothing.
package enum MergeOutcome: Sendable {
    case merged(MergeSummary)
    case conflicts([MergeConflict])
    /// The shards' work was made with more than one settings record (refused unless `--keep`).
    case mixedSettings([(id: String, stage: StageName, json: String, trajectories: Int)])
}

extension RunStore {
    private struct ConflictsFound: Error { var list: [MergeConflict] }

    /// Adds to this run, in one transaction, every pool item and every complete trajectory (turns,
    /// scores, judge answers, and the call journal rows of those trajectories) of the shard runs,
    /// with the images they name. An id already held with the same content is skipped, so merging
    /// the same shards again changes nothing; an id held with different content is a conflict, and
    /// then nothing at all is written. Content is compared value by value, an integer score
    /// differing from the same real.
    package func merge(_ sources: [MergeSource], keep: Bool = false) throws -> MergeOutcome {
        do {
            return .merged(try write { db in
                var state = MergeState()
                for source in sources {
                    try source.store.read { shardDB in
                        try Self.mergeSettings(into: db, from: shardDB)
                        try Self.mergePool(into: db, from: shardDB, source: source, &state)
                        try Self.mergeTrajectories(into: db, from: shardDB, source: source, &state)
                    }
                }
                guard state.conflicts.isEmpty else { throw ConflictsFound(list: state.conflicts) }
                let mixed = try Self.mixedSettings(db)
                if !mixed.isEmpty {
                    guard keep else { throw MixedFound(records: mixed) }
                    try db.execute(sql: "UPDATE settings SET kept = 1 WHERE id IN (\(mixed.map { "'\($0.id)'" }.joined(separator: ",")))")
                }
                // Files before the commit: a crash in between leaves unnamed files in the
                // content-addressed store, never a row naming a missing file.
                for (hash, format, source) in state.files {
                    try images.adopt(hash: hash, format: format, from: source.store.images)
                }
                if state.summary.trajectoriesAdded > 0 { try Self.bumpDataVersion(db) }
                return state.summary
            })
        } catch let found as ConflictsFound {
            return .conflicts(found.list)
        } catch let found as MixedFound {
            return .mixedSettings(found.records)
        }
    }

    private struct MixedFound: Error { var records: [(id: String, stage: StageName, json: String, trajectories: Int)] }

    /// Every settings record of a shard, with whether `--keep` accepted it there.
    private static func mergeSettings(into db: Database, from shardDB: Database) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO settings(id, stage, json, kept) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET kept = max(kept, excluded.kept)
            """)
        for row in try Row.fetchAll(shardDB, sql: "SELECT id, stage, json, kept FROM settings") {
            try insert.execute(arguments: arguments(row.databaseValues))
        }
    }

    /// When the merged run's generated trajectories (or their judgements) come from more than one
    /// settings record that no `--keep` accepted, those records, with the trajectories each made;
    /// else none.
    private static func mixedSettings(_ db: Database) throws -> [(id: String, stage: StageName, json: String, trajectories: Int)] {
        var out: [(id: String, stage: StageName, json: String, trajectories: Int)] = []
        for (stage, sql, arguments) in [(StageName.generate, """
            SELECT s.id, s.json, count(*) AS n FROM trajectory t JOIN settings s ON s.id = t.generate_settings
            WHERE t.origin = ? AND t.status = ? AND s.kept = 0 GROUP BY s.id ORDER BY s.id
            """, [TrajectoryOrigin.generated, TrajectoryStatus.complete] as StatementArguments), (StageName.score, """
            SELECT s.id, s.json, count(DISTINCT u.trajectory) AS n FROM turn u JOIN settings s ON s.id = u.score_settings
            WHERE u.overall IS NOT NULL AND s.kept = 0 GROUP BY s.id ORDER BY s.id
            """, StatementArguments())] {
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            if rows.count > 1 { out += rows.map { (id: $0["id"], stage: stage, json: $0["json"], trajectories: $0["n"]) } }
        }
        return out
    }

    private struct MergeState {
        var summary = MergeSummary()
        var conflicts: [MergeConflict] = []
        /// Ids added by this merge, with the shard they came from (to name it in a conflict).
        var addedFrom: [String: String] = [:]
        var files: [(String, ImageFormat, MergeSource)] = []
    }

    static let mergePoolColumns = "id, task, instruction, image, source, meta"
    static let mergeTrajectoryColumns = """
        id, task, instruction, source_image, editor, origin, status, end_reason, stop_reasoning, error_class, error_message,
        score_error_class, score_error_message, generate_settings
        """
    static let mergeTurnColumns = """
        turn, instruction, reasoning, image, seed, semantic, quality, overall, overall_given, sc_success, sc_overedit,
        semantic_reasoning, pq_natural, pq_artifacts, quality_reasoning, executed_prompt, executed_seed, score_settings
        """
    static let mergeCallColumns = """
        stage, backend, kind, turn, request_hash, attempt, outcome, error_class, http_status, prompt_tokens, completion_tokens,
        cached_prompt_tokens, cost, latency_ms, at
        """

    private static func mergePool(into db: Database, from shardDB: Database, source: MergeSource, _ state: inout MergeState) throws {
        let find = try db.cachedStatement(sql: "SELECT \(mergePoolColumns) FROM pool_item WHERE id = ?")
        let insert = try db.cachedStatement(sql: "INSERT INTO pool_item(\(mergePoolColumns)) VALUES (?, ?, ?, ?, ?, ?)")
        let rows = try Row.fetchCursor(shardDB, sql: "SELECT \(mergePoolColumns) FROM pool_item ORDER BY seq")
        while let row = try rows.next() {
            let id: String = row["id"]
            if let held = try Row.fetchOne(find, arguments: [id]) {
                if !sameValues(held, row) {
                    state.conflicts.append(MergeConflict(kind: "pool_item", id: id, shard: source.workdir, against: state.addedFrom["pool:" + id]))
                }
                continue
            }
            try adoptImage(row["image"], into: db, from: shardDB, source: source, &state)
            try insert.execute(arguments: arguments(row.databaseValues))
            state.addedFrom["pool:" + id] = source.workdir
            state.summary.poolItemsAdded += 1
        }
    }

    private static func mergeTrajectories(into db: Database, from shardDB: Database, source: MergeSource,
                                          _ state: inout MergeState) throws {
        let find = try db.cachedStatement(sql: "SELECT seq, \(mergeTrajectoryColumns) FROM trajectory WHERE id = ?")
        let insert = try db.cachedStatement(sql: "INSERT INTO trajectory(\(mergeTrajectoryColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let heldTurns = try db.cachedStatement(sql: "SELECT \(mergeTurnColumns) FROM turn WHERE trajectory = ? ORDER BY turn")
        let shardTurns = try shardDB.cachedStatement(sql: "SELECT \(mergeTurnColumns) FROM turn WHERE trajectory = ? ORDER BY turn")
        let insertTurn = try db.cachedStatement(sql: """
            INSERT INTO turn(trajectory, \(mergeTurnColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        // Shard seq -> target seq of the trajectories this shard adds; their calls follow them.
        var added: [Int64: Int64] = [:]
        let rows = try Row.fetchCursor(shardDB, sql: "SELECT seq, \(mergeTrajectoryColumns) FROM trajectory ORDER BY seq")
        while let row = try rows.next() {
            let shardSeq: Int64 = row["seq"]
            let id: String = row["id"]
            let status: TrajectoryStatus = try row.word("status")
            guard status == .complete else {
                state.summary.leftBehind[status, default: 0] += 1
                continue
            }
            // The values of `mergeTrajectoryColumns`, without the seq (the target numbers its own).
            let values = Array(row.databaseValues.dropFirst())
            let turns = try Row.fetchAll(shardTurns, arguments: [shardSeq])
            if let held = try Row.fetchOne(find, arguments: [id]) {
                let heldSeq: Int64 = held["seq"]
                let heldTurnRows = try Row.fetchAll(heldTurns, arguments: [heldSeq])
                let same = sameValues(Array(held.databaseValues.dropFirst()), values) && sameRows(heldTurnRows, turns)
                if same {
                    state.summary.trajectoriesPresent += 1
                } else {
                    state.conflicts.append(MergeConflict(kind: "trajectory", id: id, shard: source.workdir, against: state.addedFrom[id]))
                }
                continue
            }
            try adoptImage(row["source_image"], into: db, from: shardDB, source: source, &state)
            try insert.execute(arguments: arguments(values))
            let seq = db.lastInsertedRowID
            for turn in turns {
                if let image: String = turn["image"] { try adoptImage(image, into: db, from: shardDB, source: source, &state) }
                try insertTurn.execute(arguments: arguments([seq.databaseValue] + turn.databaseValues))
            }
            added[shardSeq] = seq
            state.addedFrom[id] = source.workdir
            state.summary.trajectoriesAdded += 1
            state.summary.turnsAdded += turns.count
        }
        guard !added.isEmpty else { return }
        // One pass over the shard's journal (it has no index by trajectory).
        let insertCall = try db.cachedStatement(sql: """
            INSERT INTO call(trajectory, \(mergeCallColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let calls = try Row.fetchCursor(shardDB, sql: "SELECT trajectory, \(mergeCallColumns) FROM call WHERE trajectory IS NOT NULL ORDER BY id")
        while let call = try calls.next() {
            guard let seq = added[call["trajectory"] as Int64] else { continue }
            try insertCall.execute(arguments: arguments([seq.databaseValue] + Array(call.databaseValues.dropFirst())))
            state.summary.callsAdded += 1
        }
    }

    /// Gives the target the image row of `hash` (once) and queues its file.
    private static func adoptImage(_ hash: String, into db: Database, from shardDB: Database, source: MergeSource,
                                   _ state: inout MergeState) throws {
        guard let row = try Row.fetchOne(shardDB.cachedStatement(sql: "SELECT hash, format, width, height, bytes FROM image WHERE hash = ?"),
                                         arguments: [hash]) else {
            throw StoreError.corrupt(path: source.store.databasePath, reason: "image \(hash) is named but has no image row")
        }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO image(hash, format, width, height, bytes) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: arguments(row.databaseValues))
        if db.changesCount > 0 {
            state.files.append((hash, try row.word("format", as: ImageFormat.self), source))
            state.summary.imagesAdded += 1
        }
    }

    /// Strict equality of stored values: an integer 8 and a real 8.0 differ (scores keep their kind).
    static func sameValues(_ a: some Collection<DatabaseValue>, _ b: some Collection<DatabaseValue>) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            switch (x.storage, y.storage) {
            case (.null, .null): return true
            case (.int64(let l), .int64(let r)): return l == r
            case (.double(let l), .double(let r)): return l.bitPattern == r.bitPattern
            case (.string(let l), .string(let r)): return l == r
            case (.blob(let l), .blob(let r)): return l == r
            default: return false
            }
        }
    }

    private static func arguments(_ values: some Sequence<DatabaseValue>) -> StatementArguments {
        StatementArguments(values.map { $0 as (any DatabaseValueConvertible)? })
    }

    static func sameValues(_ a: Row, _ b: Row) -> Bool { sameValues(a.databaseValues, b.databaseValues) }

    static func sameRows(_ a: [Row], _ b: [Row]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { sameValues($0, $1) }
    }
}
