import Foundation
import ThinkEditStore

/// Ctrl-C (and SIGTERM) handling for the stages that call models: the first signal stops taking
/// new work and lets calls in flight finish for `grace` seconds; a second one exits at once. The
/// database is safe either way: every completed call was committed before the next was sent.
public final class Interruption: @unchecked Sendable {
    private let lock = NSLock()
    private var stoppingSince: Date?
    private var sources: [any DispatchSourceSignal] = []
    public let grace: TimeInterval

    public init(grace: TimeInterval = 10) {
        self.grace = grace
    }

    /// Starts listening for SIGINT and SIGTERM.
    public func install(onFirst: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if self.requestStop() {
                    onFirst()
                } else {
                    FileHandle.standardError.write(Data("\nsecond interrupt: exiting now; completed calls are committed.\n".utf8))
                    _exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Asks the stage to stop; returns false when a stop was already asked for.
    @discardableResult
    public func requestStop() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if stoppingSince != nil { return false }
        stoppingSince = Date()
        return true
    }

    /// No new call may start.
    public var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stoppingSince != nil
    }

    /// Calls still in flight should be abandoned (their work is re-sent on resume).
    public var graceExpired: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let since = stoppingSince else { return false }
        return Date().timeIntervalSince(since) > grace
    }

    deinit {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// A stage stopped by Ctrl-C: what was done is committed, and the message says how to resume.
public struct StageInterrupted: Error, CustomStringConvertible {
    public var stage: String
    public var resume: String
    public var description: String { "\(stage) interrupted; every completed call is saved. Resume with: \(resume)" }
}

/// The first failure of the run itself — its database or image store cannot be written (a full
/// disk, a read-only work directory) or is damaged — seen by one of a stage's concurrent tasks.
/// Such a failure is not the trajectory's fault and cannot be recorded against it (the database
/// may refuse that write too), so instead of marking the item failed the task reports it here,
/// the stage stops taking work, and then throws it: the command exits non-zero with the store's
/// message, and the stage is not recorded as done, so a rerun picks up the items left pending.
final class RunFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var first: StoreError?

    /// Keeps `error` if it is the first, and asks the stage to stop taking work.
    func report(_ error: StoreError, stopping interruption: Interruption) {
        lock.lock()
        if first == nil { first = error }
        lock.unlock()
        interruption.requestStop()
    }

    /// Throws the first reported failure, if any.
    func check() throws {
        lock.lock()
        defer { lock.unlock() }
        if let first { throw first }
    }
}
