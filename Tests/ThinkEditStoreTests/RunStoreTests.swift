import Foundation
import GRDB
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditStore

private func tempDir() -> String {
    let dir = NSTemporaryDirectory() + "thinkedit-store-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A work directory whose database was migrated only up to `migration` (a run written by an
/// older thinkedit), holding the rows `sql` inserts.
private func olderRun(upTo migration: String, _ sql: String) throws -> String {
    let dir = tempDir()
    let queue = try DatabaseQueue(path: (dir as NSString).appendingPathComponent("thinkedit.sqlite"))
    try Schema.migrator.migrate(queue, upTo: migration)
    try queue.write { db in try db.execute(sql: sql) }
    return dir
}

@Suite struct RunStoreTests {
    @Test func migrationsCreateTheSchemaOnAnEmptyDatabase() throws {
        let dir = tempDir()
        let store = try RunStore.openForWriting(workdir: dir)
        let tables = try store.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        for t in ["call", "curation", "image", "pool_item", "run_meta", "sample", "split_member", "stage_run", "trajectory", "turn"] {
            #expect(tables.contains(t), "missing table \(t)")
        }
        #expect(try store.integrityCheck() == "ok")
        #expect(try store.dataVersion() == 0)
        let mode = try store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func multiRowInsertsKeepEveryRowInOrderWhateverTheRemainder() throws {
        let store = try RunStore.openForWriting(workdir: tempDir())
        for count in [0, 1, 3, 4, 10] {
            let got = try store.write { db -> [[Int64]] in
                try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS pair(a INTEGER, b TEXT); DELETE FROM pair")
                try RawInsert.rows(db, "INSERT INTO pair(a, b)", columns: 2, count: count, rowsPerStatement: 4) { stmt, base, i in
                    stmt.bind(base + 1, i * 10)
                    stmt.bind(base + 2, i % 3 == 0 ? nil : "r\(i)")
                }
                return try Row.fetchAll(db, sql: "SELECT rowid, a, b IS NULL FROM pair ORDER BY rowid").map { row -> [Int64] in
                    let rowid: Int64 = row[0], a: Int64 = row[1], null: Int64 = row[2]
                    return [rowid, a, null]
                }
            }
            var expected: [[Int64]] = []
            for i in 0..<count {
                let null: Int64 = i % 3 == 0 ? 1 : 0
                expected.append([Int64(i + 1), Int64(i * 10), null])
            }
            #expect(got == expected, "\(count) rows")
        }
    }

    @Test func reopeningKeepsDataAndDoesNotMigrateAgain() throws {
        let dir = tempDir()
        do {
            let store = try RunStore.openForWriting(workdir: dir)
            _ = try store.insertPool(images: [ImageRecord(hash: "aa", format: .png, width: 1, height: 1, bytes: 10)],
                                     items: [PoolItem(id: "p1", image: "aa", instruction: "x", task: "color_alter")])
        }
        let store = try RunStore.openForWriting(workdir: dir)
        #expect(try store.poolCount() == 1)
        let migrations = try store.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        #expect(migrations == ["v1", "v2", "v3", "v4", "v5"])
    }

    @Test func aRunWrittenBeforeV2GainsTheExecutedColumnsAndKeepsItsTurns() throws {
        let dir = try olderRun(upTo: "v1", """
            INSERT INTO image(hash, format, width, height, bytes) VALUES ('aa', 'png', 1, 1, 1);
            INSERT INTO trajectory(id, task, instruction, source_image, editor, origin, status, end_reason)
                VALUES ('t', 'color_alter', 'x', 'aa', 'e', 'generated', 'complete', 'max_turns');
            INSERT INTO turn(trajectory, turn, instruction, image, seed) VALUES (1, 1, 'x', 'aa', 5);
            """)
        let store = try RunStore.openForWriting(workdir: dir)
        let t = try #require(try store.trajectories(ids: ["t"])["t"])
        #expect(t.turns.count == 1 && t.turns[0].seed == 5)
        #expect(t.turns[0].executedPrompt == nil && t.turns[0].executedSeed == nil && !t.turns[0].promptRewritten)
    }

    @Test func aRunWrittenBeforeV3GainsTheCachedTokensColumnAndKeepsItsCalls() throws {
        let dir = try olderRun(upTo: "v2", """
            INSERT INTO call(stage, backend, kind, request_hash, attempt, outcome, prompt_tokens, completion_tokens, cost, latency_ms, at)
                VALUES ('generate', 'gpt', 'think', 'h', 1, 'ok', 900, 50, 0.1, 12, 0);
            """)
        let store = try RunStore.openForWriting(workdir: dir)
        let site = CallSite(stage: .generate, backend: "gpt-5", kind: .think, trajectory: nil, turn: nil, requestHash: "h2")
        try store.recordCall(site.record(outcome: .ok, usage: Usage(promptTokens: 2006, completionTokens: 300, cachedPromptTokens: 1920), latencyMs: 5))
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT prompt_tokens, cached_prompt_tokens FROM call ORDER BY id").map { [$0[0] as Int, $0[1] as Int] }
        }
        #expect(rows == [[900, 0], [2006, 1920]])
    }

    @Test func aSecondWriterIsRefusedButReadersAreNot() throws {
        let dir = tempDir()
        let first = try RunStore.openForWriting(workdir: dir)
        #expect(throws: StoreError.self) { _ = try RunStore.openForWriting(workdir: dir) }
        do {
            _ = try RunStore.openForWriting(workdir: dir)
        } catch let e as StoreError {
            #expect(e.description.contains("another thinkedit process"))
            #expect(e.description.contains("pid \(getpid())"))
        }
        let reader = try RunStore.openForReading(workdir: dir)
        #expect(try reader.poolCount() == 0)
        _ = first
    }

    @Test func theLockIsReleasedWhenTheStoreCloses() throws {
        let dir = tempDir()
        do { _ = try RunStore.openForWriting(workdir: dir) }
        _ = try RunStore.openForWriting(workdir: dir)
    }

    @Test func readingAMissingRunSaysSo() throws {
        #expect(throws: StoreError.noRun(workdir: "/nonexistent/run")) {
            _ = try RunStore.openForReading(workdir: "/nonexistent/run")
        }
    }

    @Test func imageStoreWritesAtomicallyByContentHash() throws {
        let dir = tempDir()
        let images = ImageStore(workdir: dir)
        let bytes: [UInt8] = Array("not really a png but bytes".utf8)
        let hash = ContentHash.sha256Hex(bytes)
        try images.put(bytes, hash: hash, format: .png)
        try images.put(bytes, hash: hash, format: .png)
        let path = images.path(hash: hash, format: .png)
        #expect(path.hasSuffix("/images/\(hash.prefix(2))/\(hash).png"))
        #expect(try images.read(hash: hash, format: .png) == bytes)
        let folder = (path as NSString).deletingLastPathComponent
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files == ["\(hash).png"], "no temporary file may remain")
    }

    @Test func integerAndDecimalScoresKeepTheirForm() throws {
        let dir = tempDir()
        let store = try RunStore.openForWriting(workdir: dir)
        let t = Trajectory(id: "t", task: "color_alter", instruction: "x", sourceImage: "aa", editor: "e", endReason: .maxTurns,
                           turns: [Turn(turn: 1, instruction: "x", image: "aa", score: Score(semantic: ScoreNumber(8), quality: ScoreNumber(decimal: 7.0)))])
        _ = try store.insertTrajectories(images: [ImageRecord(hash: "aa", format: .png, width: 1, height: 1, bytes: 1)], trajectories: [t])
        let back = try #require(try store.trajectories(ids: ["t"])["t"])
        #expect(back.turns[0].score?.semantic.description == "8")
        #expect(back.turns[0].score?.quality.description == "7.0")
        #expect(back == t)
        #expect(try store.dataVersion() == 1)
    }
}

/// Counts the transactions committed on the connection it observes.
private final class CommitCounter: TransactionObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var commits: Int { lock.withLock { count } }
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { lock.withLock { count += 1 } }
    func databaseDidRollback(_ db: Database) {}
}

/// A gate the group commit's queue waits at, inside a write's `prepare`, until the test opens it.
private final class Gate: Sendable {
    private let open = DispatchSemaphore(value: 0)
    let entered: AsyncStream<Void>
    private let enter: AsyncStream<Void>.Continuation

    init() { (entered, enter) = AsyncStream<Void>.makeStream() }

    /// For `prepare`: says it is there, then waits for `release`.
    func wait() {
        enter.yield()
        open.wait()
    }

    func release() { open.signal() }
}

@Suite struct GroupCommitTests {
    private func storeWithTable() throws -> RunStore {
        let store = try RunStore.openForWriting(workdir: tempDir())
        try store.write { db in try db.execute(sql: "CREATE TABLE k(id INTEGER PRIMARY KEY, note TEXT)") }
        return store
    }

    private func waitUntil(_ store: RunStore, waiting n: Int) async {
        while store.commitsWaiting < n { await Task.yield() }
    }

    @Test func writesHandedOverDuringACommitGoTogetherAndAFailingOneFailsAlone() async throws {
        let store = try storeWithTable()
        let counter = CommitCounter()
        store.pool.add(transactionObserver: counter, extent: .observerLifetime)
        let gate = Gate()
        struct Refused: Error {}
        // The first write holds the queue in its `prepare` while nine more are handed over.
        let first = Task { try await store.commit(prepare: { gate.wait() }) { db in try db.execute(sql: "INSERT INTO k VALUES (1, 'first')") } }
        for await _ in gate.entered { break }
        let rest = (2...10).map { id in
            Task { () -> Result<Int, any Error> in
                do {
                    return .success(try await store.commit(prepare: { if id == 7 { throw Refused() } }) { db -> Int in
                        // Row 5 collides with row 1: its savepoint rolls back, the others stand.
                        try db.execute(sql: "INSERT INTO k VALUES (?, ?)", arguments: [id == 5 ? 1 : id, "r\(id)"])
                        return id
                    })
                } catch { return .failure(error) }
            }
        }
        await waitUntil(store, waiting: 9)
        #expect(counter.commits == 0, "nothing is committed while the gate is shut")
        gate.release()
        try await first.value
        var results: [Int: Result<Int, any Error>] = [:]
        for (i, task) in rest.enumerated() { results[i + 2] = await task.value }

        for id in [2, 3, 4, 6, 8, 9, 10] { #expect((try? results[id]?.get()) == id, "write \(id)") }
        guard case .failure(let collision)? = results[5] else { Issue.record("the colliding write succeeded"); return }
        #expect(collision is StoreError, "a database error reaches the caller as a StoreError, not \(collision)")
        guard case .failure(let refused)? = results[7] else { Issue.record("the write whose prepare failed succeeded"); return }
        #expect(refused is Refused)
        let ids = try store.read { db in try Int.fetchAll(db, sql: "SELECT id FROM k ORDER BY id") }
        #expect(ids == [1, 2, 3, 4, 6, 8, 9, 10])
        let notes = try store.read { db in try String.fetchOne(db, sql: "SELECT note FROM k WHERE id = 1") }
        #expect(notes == "first")
        // The first write's transaction, then one for the nine handed over while it waited.
        #expect(counter.commits == 2)
        #expect(store.commitsWaiting == 0)
    }

    @Test func aWriteWhoseCallerIsCancelledIsStillCommitted() async throws {
        let store = try storeWithTable()
        let gate = Gate()
        let task = Task { try await store.commit(prepare: { gate.wait() }) { db in try db.execute(sql: "INSERT INTO k VALUES (1, 'kept')") } }
        for await _ in gate.entered { break }
        task.cancel()
        gate.release()
        try await task.value
        #expect(try store.read { db in try Int.fetchAll(db, sql: "SELECT id FROM k") } == [1])
    }
}
