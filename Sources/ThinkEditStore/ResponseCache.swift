import Foundation
import GRDB
import ThinkEditCore

/// The response cache (SPEC §2.8, `cache:`): every answered model call, keyed by the exact
/// request, so that a request already answered is never paid for again — after `--recompute`, in
/// another run sharing the folder, or in another shard of the same run.
///
/// The folder holds `responses.sqlite` (one row per answer: its key, kind and answer as JSON text)
/// and `images/`, where an editor's answer image is stored once by content hash, never once per
/// entry. Several processes may write one folder at a time: SQLite's locks order them, and a
/// process killed at any moment leaves either a whole entry or none (the image is in place before
/// the row that names it commits). An entry whose image is missing is treated as absent.
///
/// The folder must be on a local file system: SQLite's write-ahead log needs shared memory
/// between the processes, which network file systems do not give.
package final class ResponseCache: Sendable {
    package let folder: String
    package let images: ImageStore
    private let pool: DatabasePool

    /// One cached answer.
    package struct Entry: Sendable, Hashable {
        /// `think`, `edit`, `judge_semantic` or `judge_quality`.
        package var kind: String
        /// The answer as the stage encoded it (JSON text).
        package var answer: String
        /// The editor's image, for an edit: its hash and format (the file is in `images`).
        package var image: ImageRecord?

        package init(kind: String, answer: String, image: ImageRecord? = nil) {
            self.kind = kind
            self.answer = answer
            self.image = image
        }
    }

    private init(folder: String, pool: DatabasePool) {
        self.folder = folder
        self.pool = pool
        images = ImageStore(workdir: folder)
    }

    /// Opens (creating when needed) the cache in `folder`.
    package static func open(folder: String) throws -> ResponseCache {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.notWritable(path: folder, reason: (error as NSError).localizedDescription)
        }
        let path = (folder as NSString).appendingPathComponent("responses.sqlite")
        var config = Configuration()
        // Writers of other processes (shards, other runs) hold the lock for one small transaction.
        config.busyMode = .timeout(60)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                // key: SHA-256 of the request (32 bytes); image: the answer image's hash, if any.
                try db.execute(sql: """
                    CREATE TABLE response (
                        key BLOB PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        image TEXT,
                        image_format TEXT,
                        image_width INTEGER,
                        image_height INTEGER,
                        image_bytes INTEGER
                    ) WITHOUT ROWID
                    """)
            }
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) { throw StoreError.newerSchema(path: path) }
            try migrator.migrate(pool)
            return ResponseCache(folder: folder, pool: pool)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw RunStore.mapped(error, path: path)
        }
    }

    /// The cache key of a request: the SHA-256 of its canonical text.
    package static func key(_ request: String) -> [UInt8] {
        ContentHash.sha256(Array(request.utf8))
    }

    /// The answer cached for `key`, or nil.
    package func lookup(_ key: [UInt8]) throws -> Entry? {
        let found = try run {
            try pool.read { db -> Entry? in
                guard let r = try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT kind, answer, image, image_format, image_width, image_height, image_bytes FROM response WHERE key = ?
                    """), arguments: [Data(key)]) else { return nil }
                var entry = Entry(kind: r["kind"], answer: r["answer"])
                if let hash: String = r["image"] {
                    entry.image = ImageRecord(hash: hash, format: try r.imageFormat("image_format"), width: r["image_width"],
                                              height: r["image_height"], bytes: r["image_bytes"])
                }
                return entry
            }
        }
        guard let found else { return nil }
        if let image = found.image, access(images.path(hash: image.hash, format: image.format), F_OK) != 0 { return nil }
        return found
    }

    /// Keeps an answer: its image first (when it has one), then the row.
    package func save(_ key: [UInt8], _ entry: Entry, imageBytes: [UInt8]? = nil) throws {
        if let image = entry.image, let bytes = imageBytes { try images.put(bytes, hash: image.hash, format: image.format) }
        try run {
            try pool.write { db in
                try db.cachedStatement(sql: """
                    INSERT INTO response(key, kind, answer, image, image_format, image_width, image_height, image_bytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING
                    """).execute(arguments: [Data(key), entry.kind, entry.answer, entry.image?.hash, entry.image?.format.rawValue,
                                             entry.image?.width, entry.image?.height, entry.image?.bytes])
            }
        }
    }

    /// How many answers the cache holds.
    package func count() throws -> Int {
        try run { try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM response") ?? 0 } }
    }

    private func run<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DatabaseError {
            throw RunStore.mapped(e, path: (folder as NSString).appendingPathComponent("responses.sqlite"))
        }
    }
}
