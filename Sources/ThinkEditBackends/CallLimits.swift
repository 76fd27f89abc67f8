import ThinkEditCore

/// A counting semaphore for async code: at most `limit` bodies run at once; the others wait in
/// arrival order. Bounds the calls in flight to one backend (its configured `concurrency`).
package actor AsyncSemaphore {
    private let limit: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    package init(limit: Int) {
        precondition(limit > 0, "a semaphore needs a positive limit")
        self.limit = limit
    }

    package func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    package func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }

    package func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }
}

/// An error that knows its class in the call journal's vocabulary (`CallErrorClass`).
package protocol ClassifiedError: Error {
    var errorClass: CallErrorClass { get }
}

extension Error {
    /// The journal class of any error (`unknown` when it does not say).
    package var journalClass: CallErrorClass {
        (self as? any ClassifiedError)?.errorClass ?? .unknown
    }
}
