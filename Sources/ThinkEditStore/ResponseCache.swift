import Dispatch
import Foundation
import GRDB
import Synchronization
import ThinkEditCore

/// The response cache (SPEC §2.8, `cache:`): every answered model call, keyed by the exact
/// request, so that a request already answered is never paid for again — after `--recompute`, in
/// another run sharing the folder, or in another shard of the same run.
///
/// The folder holds `responses.sqlite` (one row per answer: its key, kind and answer as JSON text)
/// and `images/`, where an editor's answer image is stored once by content hash, never once per
/// entry; the default cache, `<workdir>/cache`, uses the run's own image store instead. Several processes may write one folder at a time: SQLite's locks order them, and a
/// process killed at any moment leaves either a whole entry or none (the image is in place before
/// the row that names it commits). An entry whose image is missing is treated as absent.
///
/// New entries are written by a queue of their own, as many as arrive together in one
/// transaction, so that keeping answers costs a call no commit of its own; `flush` waits for
/// them. A process killed meanwhile loses the entries not yet written (their requests are sent
/// again if they are ever needed), never part of one.
///
/// The folder must be on a local file system: SQLite's write-ahead log needs shared memory
/// between the processes, which network file systems do not give.
package final class ResponseCache: Sendable {
    package let folder: String
    package let images: ImageStore
    private let pool: DatabasePool
    private let pending = Mutex<(rows: [(key: [UInt8], entry: Entry)], draining: Bool)>(([], false))
    private let queue = DispatchQueue(label: "thinkedit.response-cache")
    /// The first 8 bytes of every key the cache holds, as far as this process has looked (rows up
    /// to `seen`), and of every key it kept itself: a request whose key is not here has no entry,
    /// so its lookup costs no query. Rows other processes add (other shards, other runs) are
    /// learned at the latest `refreshEvery` misses later.
    private let known = Mutex<(prefixes: Set<UInt64>, seen: Int64, misses: Int)>(([], 0, 0))
    static let refreshEvery = 32

    /// One cached answer.
    package struct Entry: Sendable, Hashable {
        /// `think`, `edit`, `judge_semantic` or `judge_quality`.
        package var kind: CallKind
        /// The answer as the stage encoded it (JSON text).
        package var answer: String
        /// The editor's image, for an edit: its hash and format (the file is in `images`).
        package var image: ImageRecord?

        package init(kind: CallKind, answer: String, image: ImageRecord? = nil) {
            self.kind = kind
            self.answer = answer
            self.image = image
        }
    }

    private init(folder: String, pool: DatabasePool, images: ImageStore) {
        self.folder = folder
        self.pool = pool
        self.images = images
    }

    /// Adds to `known` the keys of the rows added since it last looked (by any process).
    private func learnNewKeys() throws {
        let after = known.withLock { $0.seen }
        let (keys, last) = try run {
            try pool.unsafeRead { db -> ([UInt64], Int64) in
                var keys: [UInt64] = []
                var last = after
                let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT id, key FROM response WHERE id > ? ORDER BY id"), arguments: [after])
                while let r = try rows.next() {
                    keys.append(Self.prefix(Array(r["key"] as Data)))
                    last = r["id"]
                }
                return (keys, last)
            }
        }
        known.withLock { k in
            k.prefixes.formUnion(keys)
            k.seen = max(k.seen, last)
        }
    }

    private static func prefix(_ key: [UInt8]) -> UInt64 {
        key.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
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
                // Rows are only ever added, so the rowid says which came after a given one.
                try db.execute(sql: """
                    CREATE TABLE response (
                        id INTEGER PRIMARY KEY,
                        key BLOB NOT NULL UNIQUE,
                        kind TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        image TEXT,
                        image_format TEXT,
                        image_width INTEGER,
                        image_height INTEGER,
                        image_bytes INTEGER
                    );
                    -- Where the answer images are, relative to the cache folder: `images` of its own,
                    -- or `../images` for the default cache inside a run's work directory, which
                    -- shares the run's content-addressed store (an edit is then stored once).
                    CREATE TABLE cache_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                    """)
                let inRun = FileManager.default.fileExists(atPath: ((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("thinkedit.sqlite"))
                    && (folder as NSString).lastPathComponent == "cache"
                try db.execute(sql: "INSERT INTO cache_meta(key, value) VALUES ('images', ?)", arguments: [inRun ? "../images" : "images"])
            }
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) { throw StoreError.newerSchema(path: path) }
            try migrator.migrate(pool)
            let imagesAt = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM cache_meta WHERE key = 'images'") ?? "images" }
            let cache = ResponseCache(folder: folder, pool: pool, images: ImageStore(root: (folder as NSString).appendingPathComponent(imagesAt)))
            try cache.learnNewKeys()
            return cache
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw RunStore.mapped(error, path: path)
        }
    }

    /// The answer cached for `key`, or nil.
    package func lookup(_ key: [UInt8]) throws -> Entry? {
        let prefix = Self.prefix(key)
        let (present, refresh) = known.withLock { k -> (Bool, Bool) in
            if k.prefixes.contains(prefix) { return (true, false) }
            k.misses += 1
            return (false, k.misses % Self.refreshEvery == 0)
        }
        if !present {
            guard refresh else { return nil }
            try CPUMeter.measure(.responseCache) { try learnNewKeys() }
            guard known.withLock({ $0.prefixes.contains(prefix) }) else { return nil }
        }
        // Kept by this process and not yet written: the answer is at hand.
        if let waiting = pending.withLock({ $0.rows.last(where: { $0.key == key })?.entry }) { return waiting }
        let found = try CPUMeter.measure(.responseCache) { try run {
            try pool.unsafeRead { db -> Entry? in
                guard let r = try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT kind, answer, image, image_format, image_width, image_height, image_bytes FROM response WHERE key = ?
                    """), arguments: [Data(key)]) else { return nil }
                var entry = Entry(kind: try r.word("kind"), answer: r["answer"])
                if let hash: String = r["image"] {
                    entry.image = ImageRecord(hash: hash, format: try r.word("image_format", as: ImageFormat.self), width: r["image_width"],
                                              height: r["image_height"], bytes: r["image_bytes"])
                }
                return entry
            }
        } }
        guard let found else { return nil }
        // An image file missing or not whole (a copy of the folder without it, a disk that lost
        // what it had not flushed) makes the entry absent: a torn answer is never served.
        if let image = found.image {
            var status = stat()
            guard stat(images.path(hash: image.hash, format: image.format), &status) == 0, Int(status.st_size) == image.bytes else { return nil }
        }
        return found
    }

    /// Keeps an answer: its image at once (when it has one: hard-linked from `imageStore` when
    /// that holds it, else written from `imageBytes`), its row with the next group (`flush`).
    package func save(_ key: [UInt8], _ entry: Entry, imageBytes: [UInt8]? = nil, imageStore: ImageStore? = nil) throws {
        if let image = entry.image {
            if let imageStore, imageStore.root == images.root || (imageStore.root as NSString).standardizingPath == images.root {
                // The run's own store, which is the cache's: the image is there already.
            } else if let imageStore, (try? images.adopt(hash: image.hash, format: image.format, from: imageStore)) != nil {
                // linked
            } else if let bytes = imageBytes {
                try images.put(bytes, hash: image.hash, format: image.format)
            } else {
                return
            }
        }
        known.withLock { _ = $0.prefixes.insert(Self.prefix(key)) }
        let (start, backlog) = pending.withLock { p -> (Bool, Int) in
            p.rows.append((key, entry))
            if p.draining || p.rows.count < Self.group { return (false, p.rows.count) }
            p.draining = true
            return (true, p.rows.count)
        }
        if start { queue.async { self.drain() } }
        // Answers arriving faster than the disk takes them wait, rather than pile up in memory.
        if backlog >= Self.backlog { queue.sync {} }
    }

    /// Entries waiting to be written beyond which `save` waits for the writer.
    static let backlog = 4096

    /// Entries written together: one commit for this many answers (a process killed loses at
    /// most this many and those being written).
    static let group = 64

    /// Waits until every answer handed to `save` is written.
    package func flush() {
        let start = pending.withLock { p in
            if p.draining || p.rows.isEmpty { return false }
            p.draining = true
            return true
        }
        if start { queue.async { self.drain() } }
        queue.sync {}
    }

    /// Writes what is pending, group by group, until nothing is. A group that cannot be written
    /// (a full disk) is dropped: the cache costs later calls, never this run's.
    private func drain() {
        while true {
            let rows = pending.withLock { p in
                let taken = p.rows
                p.rows.removeAll(keepingCapacity: true)
                if taken.isEmpty { p.draining = false }
                return taken
            }
            if rows.isEmpty { return }
            try? CPUMeter.measure(.responseCache) { try pool.write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO response(key, kind, answer, image, image_format, image_width, image_height, image_bytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING
                    """)
                for (key, entry) in rows {
                    try insert.execute(arguments: [Data(key), entry.kind, entry.answer, entry.image?.hash, entry.image?.format.rawValue,
                                                   entry.image?.width, entry.image?.height, entry.image?.bytes])
                }
            } }
        }
    }

    /// How many answers the cache holds.
    package func count() throws -> Int {
        flush()
        return try run { try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM response") ?? 0 } }
    }

    private func run<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DatabaseError {
            throw RunStore.mapped(e, path: (folder as NSString).appendingPathComponent("responses.sqlite"))
        }
    }
}
