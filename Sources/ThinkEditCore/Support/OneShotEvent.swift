import Synchronization

/// Something that happens once — a stop asked for, a server told to answer — that any number of
/// tasks can wait for. Waiting is cancellable: a cancelled waiter throws `CancellationError`.
///
/// ```swift
/// let ready = OneShotEvent()
/// Task { try await ready.wait(); ... }
/// ready.signal()
/// ```
package final class OneShotEvent: Sendable {
    private struct State {
        var signalled = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var cancelledEarly: Set<Int> = []
    }

    private let state = Mutex(State())

    package init() {}

    /// Wakes every waiter, now and later. Calling it again does nothing.
    package func signal() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            guard !s.signalled else { return [] }
            s.signalled = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns once the event has happened; throws `CancellationError` if the task is cancelled first.
    package func wait() async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { s -> Result<Void, any Error>? in
                    if s.signalled { return .success(()) }
                    if s.cancelledEarly.remove(id) != nil { return .failure(CancellationError()) }
                    s.waiters[id] = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                if let w = s.waiters.removeValue(forKey: id) { return w }
                if !s.signalled { s.cancelledEarly.insert(id) }
                return nil
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
