/// Something that happens once — a stop asked for, a server told to answer — that any number of
/// tasks can wait for. Waiting is cancellable: a cancelled waiter throws `CancellationError`.
///
/// ```swift
/// let ready = OneShotEvent()
/// Task { try await ready.wait(); ... }
/// ready.signal()
/// ```
package final class OneShotEvent: Sendable {
    /// Whether the event has happened, and the tasks waiting for it.
    private let queue = WaitQueue<Bool, Void>(false)

    package init() {}

    /// Wakes every waiter, now and later. Calling it again does nothing.
    package func signal() {
        let woken = queue.withLock { happened, waiters in
            happened = true
            return waiters.removeAll()
        }
        for w in woken { w.continuation.resume() }
    }

    /// Returns once the event has happened; throws `CancellationError` if the task is cancelled first.
    package func wait() async throws {
        try await queue.wait { happened in happened ? .finish : .park(()) }
    }
}
