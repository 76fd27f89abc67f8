import Synchronization

/// A counting semaphore for async code: at most `limit` bodies run at once; the others wait in
/// arrival order. Bounds the calls in flight to one backend (its configured `concurrency`).
///
/// Waiting is cancellable: a task cancelled while it waits leaves the queue at once and throws
/// `CancellationError`, so a stage stopped by Ctrl-C does not wait for permits it no longer wants.
///
/// ```swift
/// let limit = AsyncSemaphore(limit: 8)
/// let answer = try await limit.withPermit { try await client.send(request) }
/// ```
package final class AsyncSemaphore: Sendable {
    private struct State {
        var running = 0
        var nextID = 0
        /// Waiters in arrival order.
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var cancelledEarly: Set<Int> = []
    }

    private let limit: Int
    private let state = Mutex(State())

    package init(limit: Int) {
        precondition(limit > 0, "a semaphore needs a positive limit")
        self.limit = limit
    }

    /// Takes a permit, waiting for one if all are taken.
    package func acquire() async throws {
        let id = try state.withLock { s -> Int? in
            if s.running < limit {
                s.running += 1
                return nil
            }
            try Task.checkCancellation()
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { s -> Bool in
                    if s.cancelledEarly.remove(id) != nil { return true }
                    s.waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                if let i = s.waiters.firstIndex(where: { $0.id == id }) { return s.waiters.remove(at: i).continuation }
                s.cancelledEarly.insert(id)
                return nil
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Returns a permit: the longest waiter gets it, or it goes back to the pool.
    package func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            if s.waiters.isEmpty {
                s.running -= 1
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume()
    }

    /// Runs `body` holding a permit.
    package func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }
}
