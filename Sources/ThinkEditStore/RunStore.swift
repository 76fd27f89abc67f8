#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import ThinkEditCore

/// One run's state: the SQLite database `<workdir>/thinkedit.sqlite` (WAL, so `status` can read
/// while a stage writes) and the image store beside it. Opening it for writing takes the run's
/// exclusive lock: a second writing process is refused with `StoreError.locked`.
package final class RunStore: Sendable {
    package let workdir: String
    package let images: ImageStore
    package let pool: DatabasePool
    private let lock: RunLock?
    private let groupCommit = GroupCommit()

    package var databasePath: String { (workdir as NSString).appendingPathComponent("thinkedit.sqlite") }

    private init(workdir: String, pool: DatabasePool, lock: RunLock?) {
        self.workdir = workdir
        self.pool = pool
        self.lock = lock
        self.images = ImageStore(workdir: workdir)
    }

    /// Opens (creating when needed) the run in `workdir` for writing, taking the write lock and
    /// migrating the schema.
    package static func openForWriting(workdir: String) throws -> RunStore {
        do {
            try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        } catch {
            throw StoreError.notWritable(path: workdir, reason: (error as NSError).localizedDescription)
        }
        let lock = try RunLock.acquire(workdir: workdir)
        let path = (workdir as NSString).appendingPathComponent("thinkedit.sqlite")
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
            let migrator = Schema.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError.newerSchema(path: path)
            }
            try migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw mapped(error, path: path)
        }
        return RunStore(workdir: workdir, pool: pool, lock: lock)
    }

    /// Opens an existing run for reading only; works while another process writes it. `prepare`
    /// runs on every connection as it opens (`serve` attaches its search index there); the
    /// connection stays read-only, attached databases included.
    package static func openForReading(workdir: String, prepare: (@Sendable (Database) throws -> Void)? = nil) throws -> RunStore {
        let path = (workdir as NSString).appendingPathComponent("thinkedit.sqlite")
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.noRun(workdir: workdir) }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        if let prepare { config.prepareDatabase(prepare) }
        do {
            // The first read is what opens a connection, so it belongs to the attempt.
            func open(_ location: String) throws -> DatabasePool {
                let pool = try DatabasePool(path: location, configuration: config)
                _ = try pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
                return pool
            }
            let pool: DatabasePool
            do {
                pool = try open(path)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN && readOnlyAtRest(workdir: workdir, path: path) {
                // A WAL database is read through its `-shm` file, which a reader creates when it is
                // missing; on a read-only file system it cannot. A run at rest there (closed
                // cleanly: no write-ahead log left) cannot change under us, so it is read as an
                // immutable file instead.
                pool = try open(immutableURI(path))
            }
            let migrator = Schema.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) { throw StoreError.newerSchema(path: path) }
            if try !pool.read({ try migrator.hasCompletedMigrations($0) }) {
                throw StoreError.corrupt(path: path, reason: "the schema is incomplete: open the run once with a writing command")
            }
            return RunStore(workdir: workdir, pool: pool, lock: nil)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw mapped(error, path: path)
        }
    }

    /// The work directory cannot be written (a read-only mount, say) and the database has no
    /// write-ahead log waiting to be applied.
    private static func readOnlyAtRest(workdir: String, path: String) -> Bool {
        guard access(workdir, W_OK) != 0 else { return false }
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
        return wal == 0
    }

    /// An SQLite URI that opens `path` as a file nothing writes (no locks, no `-shm`).
    private static func immutableURI(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?immutable=1"
    }

    /// `PRAGMA integrity_check`: "ok" for an intact database.
    func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    package func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try CPUMeter.measure(.database) { try pool.read(body) } } catch let e as DatabaseError { throw Self.mapped(e, path: databasePath) }
    }

    package func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try CPUMeter.measure(.database) { try pool.write(body) } } catch let e as DatabaseError { throw Self.mapped(e, path: databasePath) }
    }

    /// Commits `body` through the run's group commit (`GroupCommit`): in a transaction shared with
    /// the writes other tasks hand over at about the same time, on a queue of its own, after
    /// `prepare` has run outside the transaction. Returns once that transaction has committed.
    package func commit<T: Sendable>(prepare: @escaping @Sendable () throws -> Void = {},
                                     _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await groupCommit.write(to: self, prepare: prepare, body)
    }

    /// Writes handed to `commit` that wait for a transaction to take them (tests).
    var commitsWaiting: Int { groupCommit.waiting }

    /// `write` with foreign-key checks off for the transaction, for curation's bulk output: its
    /// rows name trajectories and samples this process has just read under the run's write
    /// lock, so a per-row check of each parent (a third of the insert's cost at millions of rows)
    /// could not fail. SQLite ignores the pragma inside a transaction, hence the explicit one.
    package func writeWithoutForeignKeyChecks<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try CPUMeter.measure(.database) {
                try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA foreign_keys = OFF")
                    defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                    var result: T? = nil
                    try db.inTransaction {
                        result = try body(db)
                        return .commit
                    }
                    return result!
                }
            }
        } catch let e as DatabaseError { throw Self.mapped(e, path: databasePath) }
    }

    static func mapped(_ error: DatabaseError, path: String) -> StoreError {
        switch error.resultCode {
        case .SQLITE_FULL: return .notWritable(path: path, reason: "the disk is full")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_IOERR:
            return .notWritable(path: path, reason: error.message ?? "\(error.resultCode)")
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .corrupt(path: path, reason: error.message ?? "\(error.resultCode)")
        default: return .corrupt(path: path, reason: "\(error)")
        }
    }

    /// Bumps the data version: every change to trajectories, turns or scores calls this inside its
    /// transaction, and curation fingerprints include the version.
    package static func bumpDataVersion(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE run_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'").execute()
    }

    /// The current data version (see `bumpDataVersion`).
    package func dataVersion() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM run_meta WHERE key = 'data_version'") ?? 0 }
    }
}
