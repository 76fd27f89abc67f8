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
    private let limit: Int
    /// The permits taken, and the tasks waiting for one in arrival order.
    private let queue = WaitQueue<Int, Void>(0)

    package init(limit: Int) {
        precondition(limit > 0, "a semaphore needs a positive limit")
        self.limit = limit
    }

    /// Takes a permit, waiting for one if all are taken.
    package func acquire() async throws {
        let limit = self.limit
        try await queue.wait { running in
            // A permit goes to a waiter only through `release`: a newcomer never overtakes them.
            guard running < limit else { return .park(()) }
            running += 1
            return .finish
        }
    }

    /// Returns a permit: the longest waiter gets it, or it goes back to the pool.
    package func release() {
        let next = queue.withLock { running, waiters -> Waiters<Void>.Waiter? in
            if let first = waiters.removeFirst() { return first }
            running -= 1
            return nil
        }
        next?.continuation.resume()
    }

    /// Runs `body` holding a permit.
    package func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }
}
