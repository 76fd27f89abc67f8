import Foundation
import GRDB
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// How a stage takes a batch's answers: `parse` reads a result line as an online answer is read
/// (throwing the same classified errors); `commit` writes a parsed answer and `fail` a request
/// that failed for good, each inside the transaction that also settles the request and journals
/// the call, so an answer is committed exactly once.
struct BatchConsumer<Answer: Sendable>: Sendable {
    var parse: @Sendable (BatchResultLine, BatchRequestRow) throws -> (Answer, Usage?)
    var commit: @Sendable (Database, BatchRequestRow, Answer, CallRecord) throws -> Void
    var fail: @Sendable (Database, BatchRequestRow, CallErrorClass, String, CallRecord) throws -> Void
}

/// Batch mode's engine for one stage and one `openai` backend (docs/operations.md, "Batch mode").
/// Requests go into files split at the backend's limits (`BatchFileWriter`); each file then moves
/// through upload, creation, polling, download and commit, and every step is recorded in the
/// journal (`batch`, `batch_request`) before the next one starts. A process killed at any point
/// finds its batches on the next run: an upload or a creation that may have reached the service is
/// looked up (by file name, by input file) before it is made again, and an answer is committed once.
/// Requests that failed, expired or were cancelled are left for a later batch while they have
/// retries left (`max_retries`); then they fail with their class, as online calls do.
struct BatchRunner<Answer: Sendable>: Sendable {
    var stage: StageName
    var settings: BackendSettings
    var api: OpenAIBatchAPI
    var store: RunStore
    var consumer: BatchConsumer<Answer>
    var clock: AnyClock
    var interruption: Interruption
    var log: @Sendable (String) -> Void
    var resume: String

    /// The folder of request and result files, made on first use.
    var folder: String {
        get throws {
            let dir = (store.workdir as NSString).appendingPathComponent("batches")
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw StoreError.notWritable(path: dir, reason: "\(error.localizedDescription)")
            }
            return dir
        }
    }

    private func path(_ relative: String) -> String { (store.workdir as NSString).appendingPathComponent(relative) }

    /// Carries every open batch of this stage to `done`, polling those in flight every
    /// `poll_seconds`; `afterDone` runs as each one is committed, before the others are looked at
    /// again. Throws `StageInterrupted` on Ctrl-C (the batches go on at the provider; the
    /// next run picks them up).
    func drive(afterDone: ((BatchRow) async throws -> Void)? = nil) async throws {
        var resumed = Set<Int64>()
        for b in try store.batches(stage: stage, open: true) where b.state == .uploading || b.state == .creating { resumed.insert(b.id) }
        while true {
            // A `local` file waits for `thinkedit batch read`, not for the provider.
            let open = try store.batches(stage: stage, open: true).filter { $0.backend == settings.name && $0.state != .local }
            if open.isEmpty { return }
            var waiting = 0
            for b in open {
                if try await advance(b, resumed: resumed.contains(b.id)) {
                    waiting += 1
                } else if let afterDone {
                    try await afterDone(b)
                }
            }
            if waiting == 0 { continue }
            if interruption.isStopping { throw StageInterrupted(stage: stage, resume: resume) }
            do {
                try await clock.sleep(seconds: settings.batch.pollSeconds)
            } catch {
                throw StageInterrupted(stage: stage, resume: resume)
            }
            if interruption.isStopping { throw StageInterrupted(stage: stage, resume: resume) }
        }
    }

    /// Takes the results of a `local` batch file (`vllm run-batch`'s output) and commits them
    /// as a downloaded batch's: the same parsing, failure classes and journal.
    func readLocal(_ row: BatchRow, results: String) async throws {
        var b = row
        guard b.state == .local else {
            _ = try await advance(b, resumed: false)
            return
        }
        let target = path(resultFile(b, "output"))
        do {
            try AtomicFile.write(try Data(contentsOf: URL(fileURLWithPath: results)), to: target)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.notWritable(path: results, reason: "cannot read the results: \(error.localizedDescription)")
        }
        b.remoteStatus = "completed"
        b.state = .downloaded
        try store.updateBatch(b)
        _ = try await advance(b, resumed: false)
    }

    /// Counts the requests of this stage's open batches (sent by an earlier run) against the cap.
    func reserveOpenRequests(_ budget: SpendGuard?) throws {
        guard let budget else { return }
        let open = try store.read { db in
            let out = RunStore.requestsOut(stage, selecting: "r.kind AS key, count(*) AS n", suffix: "GROUP BY r.kind")
            return try Row.tally(db, sql: out.sql, arguments: out.arguments, as: CallKind.self).sorted { $0.key.rawValue < $1.key.rawValue }
        }
        for (kind, count) in open {
            let each = budget.projected(kind) { SpendGuard.estimate(settings, requestBytes: nil, batch: true) }
            budget.reserveInFlight(each * Double(count))
        }
    }

    /// Uploads and creates every batch file written so far, without waiting for any answer: the
    /// provider starts on the first files while the stage writes the next.
    func submitWritten() async throws {
        for b in try store.batches(stage: stage, open: true) where b.backend == settings.name && b.state == .written {
            _ = try await advance(b, resumed: false, until: .submitted)
        }
    }

    /// Moves one batch as far as it goes without waiting for the provider (or to state `until`);
    /// true when it waits.
    private func advance(_ row: BatchRow, resumed: Bool, until: BatchState? = nil) async throws -> Bool {
        var b = row
        func record(_ state: BatchState) throws {
            b.state = state
            try store.updateBatch(b)
        }
        while b.state != until {
            switch b.state {
            case .written:
                CrashPoint.here("batch.upload.before")
                try record(.uploading)
                b.inputFileID = try await upload(b, lookFirst: false)
                CrashPoint.here("batch.upload.after")
                try record(.uploaded)
            case .uploading:
                // A run stopped during the upload: the service may have the file already.
                b.inputFileID = try await upload(b, lookFirst: resumed)
                try record(.uploaded)
            case .uploaded:
                try record(.creating)
                CrashPoint.here("batch.create.before")
                let remote = try await create(b, lookFirst: false)
                CrashPoint.here("batch.create.after")
                b.batchID = remote.id
                b.remoteStatus = remote.status
                try record(.submitted)
                log("\(stage.rawValue): batch \(b.id) submitted as \(remote.id) (\(b.requests) requests)")
            case .creating:
                let remote = try await create(b, lookFirst: resumed)
                b.batchID = remote.id
                b.remoteStatus = remote.status
                try record(.submitted)
            case .submitted:
                guard let id = b.batchID else { throw StoreError.corrupt(path: store.databasePath, reason: "batch \(b.id) is submitted without a batch id") }
                CrashPoint.here("batch.poll")
                let remote = try await api.get(id)
                let changed = remote.status != b.remoteStatus || remote.completed != b.completed || remote.failed != b.failed
                b.remoteStatus = remote.status
                b.completed = remote.completed
                b.failed = remote.failed
                guard remote.isFinished else {
                    if changed {
                        try store.updateBatch(b)
                        log("\(stage.rawValue): batch \(b.id) (\(id)) \(remote.status), \(remote.completed + remote.failed) of \(b.requests) answered")
                    }
                    return true
                }
                b.outputFileID = remote.outputFileID
                b.errorFileID = remote.errorFileID
                b.message = remote.errors.isEmpty ? nil : remote.errors.prefix(20).joined(separator: "; ")
                if let start = remote.createdAt, let end = remote.finishedAt { b.turnaroundSeconds = Double(max(0, end - start)) }
                try record(.finished)
                log("\(stage.rawValue): batch \(b.id) (\(id)) \(remote.status): \(remote.completed) answered, \(remote.failed) failed")
            case .finished:
                for (fileID, suffix) in [(b.outputFileID, "output"), (b.errorFileID, "errors")] {
                    guard let fileID else { continue }
                    let target = path(resultFile(b, suffix))
                    if FileManager.default.fileExists(atPath: target) { continue }
                    CrashPoint.here("batch.download")
                    try await api.download(fileID: fileID, to: target)
                }
                try record(.downloaded)
            case .downloaded:
                try commit(b)
                CrashPoint.here("batch.done.before")
                try record(.done)
            default:
                return false
            }
        }
        return false
    }

    private func resultFile(_ b: BatchRow, _ suffix: String) -> String {
        ((b.file as NSString).deletingPathExtension) + ".\(suffix).jsonl"
    }

    private func uploadName(_ b: BatchRow) throws -> String {
        "thinkedit-\(try store.runToken())-\(stage.rawValue)-\(b.id).jsonl"
    }

    private func upload(_ b: BatchRow, lookFirst: Bool) async throws -> String {
        let name = try uploadName(b)
        if lookFirst, let found = try await api.findFile(filename: name, bytes: b.bytes) {
            log("\(stage.rawValue): batch \(b.id): found its upload \(found) from the interrupted run")
            return found
        }
        CrashPoint.here("batch.upload.during")
        return try await api.upload(path: path(b.file), filename: name)
    }

    private func create(_ b: BatchRow, lookFirst: Bool) async throws -> RemoteBatch {
        guard let input = b.inputFileID else { throw StoreError.corrupt(path: store.databasePath, reason: "batch \(b.id) has no uploaded file") }
        if lookFirst, let found = try await api.findBatch(inputFileID: input) {
            log("\(stage.rawValue): batch \(b.id): found \(found.id), created by the interrupted run")
            return found
        }
        return try await api.create(inputFileID: input, metadata: [("thinkedit_run", try store.runToken()), ("thinkedit_batch", "\(stage.rawValue)-\(b.id)")])
    }

    /// Commits the answers of a downloaded batch, a thousand to a transaction; each request not
    /// answered is failed or left for a later batch.
    private func commit(_ b: BatchRow) throws {
        var waiting = try store.unansweredRequests(batch: b.id)
        // Each answer's latency is its batch's turnaround: when it was ready is not known finer.
        let latency = (b.turnaroundSeconds ?? 0) * 1000
        var chunk: [(BatchRequestRow, Result<(Answer, Usage?), BackendError>)] = []
        func flush() throws {
            guard !chunk.isEmpty else { return }
            let items = chunk
            chunk.removeAll(keepingCapacity: true)
            try store.write { db in
                for (request, outcome) in items {
                    try settle(db, request, outcome, latency: latency)
                    CrashPoint.here("batch.settle")
                }
            }
            CrashPoint.here("batch.commit")
        }
        for suffix in ["output", "errors"] {
            let file = path(resultFile(b, suffix))
            guard FileManager.default.fileExists(atPath: file) else { continue }
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file), options: .alwaysMapped)
            } catch {
                throw StoreError.notWritable(path: file, reason: "cannot read the downloaded batch results: \(error.localizedDescription)")
            }
            try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let bytes = raw.bindMemory(to: UInt8.self)
                var start = 0
                while start < bytes.count {
                    var end = start
                    while end < bytes.count && bytes[end] != 0x0a { end += 1 }
                    defer { start = end + 1 }
                    guard end > start, let line = BatchResultLine.parse(ArraySlice(bytes[start..<end])),
                          let request = waiting.removeValue(forKey: line.customID) else { continue }
                    let outcome: Result<(Answer, Usage?), BackendError>
                    do {
                        outcome = .success(try consumer.parse(line, request))
                    } catch let e as BackendError {
                        outcome = .failure(e)
                    } catch {
                        outcome = .failure(BackendError(.parse, backend: settings.name, "\(error)"))
                    }
                    chunk.append((request, outcome))
                    if chunk.count >= 1000 { try flush() }
                }
            }
        }
        // Requests the batch never answered: all of a batch that failed validation, the rest of
        // one that expired or was cancelled without an error line.
        let why: BackendError
        switch b.remoteStatus {
        case "failed": why = BackendError(.badRequest, backend: settings.name, "the provider refused the batch file: \(b.message ?? "no reason given")")
        case "expired": why = BackendError(.expired, backend: settings.name, "the batch expired before this request ran")
        case "cancelled": why = BackendError(.cancelled, backend: settings.name, "the batch was cancelled before this request ran")
        default: why = BackendError(.server, backend: settings.name, "the batch finished (\(b.remoteStatus ?? "?")) without an answer for this request")
        }
        for request in waiting.values.sorted(by: { $0.customID < $1.customID }) {
            chunk.append((request, .failure(why)))
            if chunk.count >= 1000 { try flush() }
        }
        try flush()
    }

    /// The call a batch request makes, named by its custom id.
    private func site(_ request: BatchRequestRow) -> CallSite {
        CallSite(stage: stage, backend: settings.name, kind: request.kind, trajectory: request.trajectory, turn: request.turn, requestHash: request.customID)
    }

    /// One request's outcome, inside the transaction: the answer committed, or the failure
    /// journaled and, once it has no retries left or cannot be helped by one, given to the stage.
    private func settle(_ db: Database, _ request: BatchRequestRow, _ outcome: Result<(Answer, Usage?), BackendError>, latency: Double) throws {
        switch outcome {
        case .success(let (answer, usage)):
            let call = site(request).record(attempt: request.attempt, outcome: .ok, httpStatus: 200, usage: usage,
                                            cost: settings.cost(usage, batch: true), latencyMs: latency)
            try consumer.commit(db, request, answer, call)
            try RunStore.settleBatchRequest(db, customID: request.customID, answered: true)
        case .failure(let error):
            let call = site(request).record(attempt: request.attempt, outcome: .error, errorClass: error.kind,
                                            httpStatus: error.httpStatus, latencyMs: latency)
            if error.kind.isRetryable && request.tries <= settings.maxRetries {
                try RunStore.insertCall(db, call)
            } else {
                let tries = request.tries > 1 ? " (gave up after \(request.tries) batch attempts)" : ""
                let failure = site(request).failure(error.kind, error.message + tries, record: call)
                try consumer.fail(db, request, failure.errorClass, failure.message, call)
            }
            try RunStore.settleBatchRequest(db, customID: request.customID, answered: false)
        }
    }
}

/// Writes requests into batch files, starting a new file at the backend's request and size limits
/// (`batch.max_requests`, `batch.max_file_mb`); each file, once whole and on disk, is journaled
/// with its requests in one transaction.
final class BatchFileWriter {
    private let stage: StageName
    private let settings: BackendSettings
    private let store: RunStore
    private let folder: String
    private let endpoint: String
    private var attempts: [String: (attempt: Int, tries: Int)]
    /// Requests out in an open batch (an API batch, or a local file not read back yet).
    private let inFlight: Set<String>
    /// Writing one file for `vllm run-batch` (`thinkedit batch write`): no limits, state `local`.
    private let local: Bool
    private var id: Int64
    private var fd: Int32 = -1
    private var temp = ""
    private var bytes = 0
    private var requests: [BatchRequestRow] = []
    private var buffer: [UInt8] = []
    /// Files journaled so far, and the path of the last one.
    private(set) var files = 0
    private(set) var lastFile: String?
    private(set) var written = 0

    init(stage: StageName, settings: BackendSettings, store: RunStore, folder: String, endpoint: String, local: Bool = false) throws {
        self.local = local
        inFlight = try store.inFlightBatchKeys(stage: stage)
        self.stage = stage
        self.settings = settings
        self.store = store
        self.folder = folder
        self.endpoint = endpoint
        attempts = try store.batchAttempts(stage: stage)
        id = try store.nextBatchID()
    }

    /// The request could not go in any file: it is larger than a whole file may be.
    struct TooLarge: Error {
        var bytes: Int
        var limit: Int
    }

    /// Whether a request for this call is out in an open batch already.
    func isInFlight(kind: CallKind, trajectory: Int64, turn: Int) -> Bool {
        inFlight.contains(BatchRequestKey(kind: kind, trajectory: trajectory, turn: turn).text)
    }

    /// Adds one request; throws `TooLarge` (and writes nothing) for a request above the file limit.
    func add(kind: CallKind, trajectory: Int64, turn: Int, body: [UInt8]) throws {
        let key = BatchRequestKey(kind: kind, trajectory: trajectory, turn: turn)
        let maxBytes = local ? Int.max : settings.batch.maxFileBytes
        let maxRequests = local ? Int.max : settings.batch.maxRequests
        let before = attempts[key.text] ?? (0, 0)
        let attempt = before.attempt + 1
        let line = OpenAIChatClient.batchLine(customID: key.customID(attempt: attempt), endpoint: endpoint, body: body)
        guard line.count <= maxBytes else { throw TooLarge(bytes: line.count, limit: maxBytes) }
        if !requests.isEmpty && (requests.count >= maxRequests || bytes + line.count > maxBytes) {
            try finishFile()
        }
        if fd < 0 {
            temp = (folder as NSString).appendingPathComponent(".\(stage.rawValue)-\(id).jsonl.tmp")
            fd = try AtomicFile.create(temp)
        }
        buffer += line
        if buffer.count >= 1 << 20 { try drain() }
        bytes += line.count
        requests.append(BatchRequestRow(customID: key.customID(attempt: attempt), kind: kind, trajectory: trajectory, turn: turn,
                                        attempt: attempt, tries: before.tries + 1))
        attempts[key.text] = (attempt, before.tries + 1)
        CrashPoint.here("batch.write")
    }

    private func drain() throws {
        try buffer.withUnsafeBytes { try AtomicFile.writeAll(fd, $0, path: temp) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Journals the file being written, if any.
    func finish() throws { if !requests.isEmpty { try finishFile() } }

    private func finishFile() throws {
        try drain()
        let name = "\(stage.rawValue)-\(id).jsonl"
        try AtomicFile.finish(fd, temp: temp, to: (folder as NSString).appendingPathComponent(name))
        fd = -1
        CrashPoint.here("batch.journal.before")
        try store.journalWrittenBatch(id: id, stage: stage, backend: settings.name, model: settings.model ?? "",
                                      file: "batches/\(name)", bytes: bytes, requests: requests, state: local ? .local : .written)
        lastFile = (folder as NSString).appendingPathComponent(name)
        files += 1
        written += requests.count
        id += 1
        bytes = 0
        requests.removeAll(keepingCapacity: true)
    }

    deinit { if fd >= 0 { close(fd); unlink(temp) } }
}
