import Foundation
import Synchronization
import ThinkEditCore
import ThinkEditStore

/// Ctrl-C (and SIGTERM) handling for the stages that call models: the first signal stops taking
/// new work and lets calls in flight finish for `grace` seconds; a second one exits at once. The
/// database is safe either way: every completed call was committed before the next was sent.
package final class Interruption: @unchecked Sendable {
    private let stoppingSince = Mutex<AnyClock.Instant?>(nil)
    private let stopped = OneShotEvent()
    /// Set once by `install`, before any stage runs; read by `deinit`.
    private var sources: [any DispatchSourceSignal] = []
    package let grace: TimeInterval
    private let clock: AnyClock

    package init(grace: TimeInterval = 10, clock: AnyClock = .continuous) {
        self.grace = grace
        self.clock = clock
    }

    /// Starts listening for SIGINT and SIGTERM.
    package func install(onFirst: @escaping @Sendable () -> Void) {
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
    func requestStop() -> Bool {
        let first = stoppingSince.withLock { since -> Bool in
            if since != nil { return false }
            since = clock.now
            return true
        }
        if first { stopped.signal() }
        return first
    }

    /// No new call may start.
    var isStopping: Bool { stoppingSince.withLock { $0 != nil } }

    /// Returns when a stop was asked for and its grace period has passed; throws
    /// `CancellationError` when the waiting task is cancelled first.
    func waitForGraceToExpire() async throws {
        try await stopped.wait()
        guard let since = stoppingSince.withLock({ $0 }) else { return }
        try await clock.sleep(until: since.advanced(by: .seconds(grace)))
    }

    deinit {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// A stage stopped by Ctrl-C: what was done is committed, and the message says how to resume.
package struct StageInterrupted: Error, CustomStringConvertible {
    package var stage: StageName
    /// What was interrupted when it is not the stage itself (`batch write`).
    package var step: String?
    package var resume: String

    init(stage: StageName, step: String? = nil, resume: String) {
        self.stage = stage
        self.step = step
        self.resume = resume
    }

    package var description: String { "\(step ?? stage.rawValue) interrupted; every completed call is saved. Resume with: \(resume)" }
}
