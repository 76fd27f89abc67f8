import Foundation
import GRDB
import ThinkEditCore
import ThinkEditStore

/// A batch as the run's journal holds it (table `batch`).
package struct BatchRow: Sendable, Hashable {
    package var id: Int64
    package var stage: StageName
    package var backend: String
    package var model: String
    /// How far it got: `written`, `uploading`, `uploaded`, `creating`, `submitted`, `finished`,
    /// `downloaded`, `done`. Each step is recorded before the next begins.
    package var state: BatchState
    /// The request file, relative to the work directory.
    package var file: String
    package var requests: Int
    package var bytes: Int
    package var inputFileID: String?
    package var batchID: String?
    var remoteStatus: String?
    package var completed: Int
    package var failed: Int
    package var outputFileID: String?
    package var errorFileID: String?
    package var message: String?
    /// Seconds from the batch's creation to its end, as the provider reports them.
    var turnaroundSeconds: Double?
    package var createdAt: Double
    var updatedAt: Double

    /// Batches a stage still has to carry to `done`.
    package var isOpen: Bool { state.isOpen }
}

/// One request of a batch (table `batch_request`).
struct BatchRequestRow: Sendable, Hashable {
    package var customID: String
    package var kind: CallKind
    package var trajectory: Int64
    package var turn: Int
    /// Counts every request for this call (part of the custom id).
    package var attempt: Int
    /// Counts those since the last `retry-failed`: the retry budget (`max_retries`) applies to it.
    package var tries: Int
}

extension RunStore {
    private static let batchColumns = """
        id, stage, backend, model, state, file, requests, bytes, input_file_id, batch_id, remote_status, completed, failed,
        output_file_id, error_file_id, message, turnaround_seconds, created_at, updated_at
        """

    private static func batchRow(_ r: Row) throws -> BatchRow {
        BatchRow(id: r["id"], stage: try r.word("stage"), backend: r["backend"], model: r["model"], state: try r.word("state"), file: r["file"],
                 requests: r["requests"], bytes: r["bytes"], inputFileID: r["input_file_id"], batchID: r["batch_id"],
                 remoteStatus: r["remote_status"], completed: r["completed"], failed: r["failed"], outputFileID: r["output_file_id"],
                 errorFileID: r["error_file_id"], message: r["message"], turnaroundSeconds: r["turnaround_seconds"], createdAt: r["created_at"], updatedAt: r["updated_at"])
    }

    /// Every batch, oldest first; only those of `stage` when given, only open ones when `open`.
    package func batches(stage: StageName? = nil, open: Bool = false) throws -> [BatchRow] {
        try read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let stage {
                conditions.append("stage = ?")
                arguments += [stage]
            }
            if open {
                conditions.append("state <> ?")
                arguments += [BatchState.done]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT \(Self.batchColumns) FROM batch \(filter) ORDER BY id", arguments: arguments).map { try Self.batchRow($0) }
        }
    }

    package func batch(id: Int64) throws -> BatchRow? {
        try read { db in try Row.fetchOne(db, sql: "SELECT \(Self.batchColumns) FROM batch WHERE id = ?", arguments: [id]).map { try Self.batchRow($0) } }
    }

    /// The id the next batch will get (the files are named after it before the row exists).
    func nextBatchID() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) + 1 FROM batch") ?? 1 }
    }

    /// A random token for this run, made once: the prefix of its upload file names, so that a run
    /// finds its own uploads again and never another run's.
    func runToken() throws -> String {
        try write { db in
            if let token = try String.fetchOne(db, sql: "SELECT value FROM run_meta WHERE key = 'run_token'") { return token }
            let token = String((0..<12).map { _ in "0123456789abcdef".randomElement()! })
            try db.execute(sql: "INSERT INTO run_meta(key, value) VALUES ('run_token', ?)", arguments: [token])
            return token
        }
    }

    /// Records a request file written in full: its batch row (`written`, or `local` for a file
    /// to run with `vllm run-batch`) and a row per request.
    func journalWrittenBatch(id: Int64, stage: StageName, backend: String, model: String, file: String, bytes: Int,
                             requests: [BatchRequestRow], state: BatchState = .written) throws {
        try write { db in
            let now = Date().timeIntervalSince1970
            try db.execute(sql: """
                INSERT INTO batch(id, stage, backend, model, state, file, requests, bytes, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, stage, backend, model, state, file, requests.count, bytes, now, now])
            let insert = try RawInsert(db, "INSERT INTO batch_request(custom_id, batch, kind, trajectory, turn, attempt, tries, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            for r in requests {
                insert.bind(1, r.customID)
                insert.bind(2, id)
                insert.bind(3, r.kind.rawValue)
                insert.bind(4, r.trajectory)
                insert.bind(5, r.turn)
                insert.bind(6, r.attempt)
                insert.bind(7, r.tries)
                insert.bind(8, BatchRequestState.sent.rawValue)
                try insert.step()
            }
        }
    }

    /// Records a batch's new state and what came with it.
    func updateBatch(_ b: BatchRow) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE batch SET state = ?, input_file_id = ?, batch_id = ?, remote_status = ?, completed = ?, failed = ?,
                                 output_file_id = ?, error_file_id = ?, message = ?, turnaround_seconds = ?, updated_at = ?
                WHERE id = ?
                """, arguments: [b.state, b.inputFileID, b.batchID, b.remoteStatus, b.completed, b.failed, b.outputFileID,
                                 b.errorFileID, b.message, b.turnaroundSeconds, Date().timeIntervalSince1970, b.id])
        }
    }

    /// The requests of a batch still waiting for their answer, by custom id.
    func unansweredRequests(batch: Int64) throws -> [String: BatchRequestRow] {
        try read { db in
            var all: [String: BatchRequestRow] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT custom_id, kind, trajectory, turn, attempt, tries FROM batch_request WHERE batch = ? AND state = ?",
                                           arguments: [batch, BatchRequestState.sent])
            while let r = try rows.next() {
                let row = BatchRequestRow(customID: r["custom_id"], kind: try r.word("kind"), trajectory: r["trajectory"], turn: r["turn"], attempt: r["attempt"], tries: r["tries"])
                all[row.customID] = row
            }
            return all
        }
    }

    /// For each (trajectory, turn, kind) sent in a batch of `stage`: its last attempt number and
    /// its requests since the last `retry-failed`, for the next request's numbers.
    func batchAttempts(stage: StageName) throws -> [String: (attempt: Int, tries: Int)] {
        try read { db in
            var all: [String: (attempt: Int, tries: Int)] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT r.trajectory, r.turn, r.kind, max(r.attempt) AS attempts, sum(r.state <> ?) AS tries
                FROM batch_request r JOIN batch b ON b.id = r.batch
                WHERE b.stage = ? GROUP BY r.trajectory, r.turn, r.kind
                """, arguments: [BatchRequestState.retried, stage])
            while let r = try rows.next() {
                let key = BatchRequestKey(kind: try r.word("kind"), trajectory: r["trajectory"], turn: r["turn"]).text
                all[key] = (r["attempts"], r["tries"])
            }
            return all
        }
    }

    /// The (kind, trajectory, turn) of every request of `stage` sent and not yet answered, as
    /// `BatchRequestKey.text`: the stage must not send them again while they are out.
    func inFlightBatchKeys(stage: StageName) throws -> Set<String> {
        try read { db in
            var keys = Set<String>()
            let out = Self.requestsOut(stage, selecting: "r.kind, r.trajectory, r.turn")
            let rows = try Row.fetchCursor(db, sql: out.sql, arguments: out.arguments)
            while let r = try rows.next() { keys.insert(BatchRequestKey(kind: try r.word("kind"), trajectory: r["trajectory"], turn: r["turn"]).text) }
            return keys
        }
    }

    /// The trajectories with a request of `stage` sent and not yet answered.
    func trajectoriesWithBatchRequestsOut(stage: StageName) throws -> Set<Int64> {
        try read { db in
            let out = Self.requestsOut(stage, selecting: "DISTINCT r.trajectory")
            return Set(try Int64.fetchAll(db, sql: out.sql, arguments: out.arguments))
        }
    }

    /// A query over the requests of `stage` sent and not yet answered, in batches not yet done:
    /// `batch_request r` joined with its `batch b`, selecting `columns`, then `suffix` (GROUP BY...).
    static func requestsOut(_ stage: StageName, selecting columns: String, suffix: String = "") -> (sql: String, arguments: StatementArguments) {
        ("""
         SELECT \(columns) FROM batch_request r JOIN batch b ON b.id = r.batch
         WHERE b.stage = ? AND b.state <> ? AND r.state = ? \(suffix)
         """, [stage, BatchState.done, BatchRequestState.sent])
    }

    /// Marks a request answered or failed (inside the caller's transaction).
    static func settleBatchRequest(_ db: Database, customID: String, answered: Bool) throws {
        try db.cachedStatement(sql: "UPDATE batch_request SET state = ? WHERE custom_id = ?").execute(arguments: [answered ? BatchRequestState.answered : .failed, customID])
    }
}

/// What a batch request is for: a call kind of one turn of one trajectory.
struct BatchRequestKey: Hashable {
    var kind: CallKind
    var trajectory: Int64
    var turn: Int

    package var text: String { "\(kind):\(trajectory):\(turn)" }

    /// The custom id of its `attempt`-th request: `judge_semantic:12:3:1`.
    func customID(attempt: Int) -> String { "\(text):\(attempt)" }
}
