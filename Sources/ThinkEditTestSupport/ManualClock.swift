import Synchronization
import ThinkEditCore

/// A clock that moves only when a test says so.
///
/// Code under test sleeps on it as on any clock; the test waits until the code is asleep
/// (`waitForSleepers(where:)`), looks at what it waits for (`pendingSleeps`), and moves time with
/// `advance(by:)`, which wakes every sleeper whose deadline has come, earliest first. Nothing here
/// reads the system time, so a test driven by it gives the same answer on an idle machine and on
/// one whose cores are busy.
///
/// ```swift
/// let clock = ManualClock()
/// let call = Task { try await limiter.admit(tokens: 0) }   // the limiter was given AnyClock(clock)
/// await clock.waitForSleepers { $0 == [.milliseconds(500)] }
/// clock.advance(by: .milliseconds(500))
/// try await call.value
/// ```
package final class ManualClock: Clock, Sendable {
    package typealias Instant = AnyClock.Instant

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Waiter {
        var isSatisfied: @Sendable ([Duration]) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
        var cancelledBeforeSleeping: Set<Int> = []
        var waiters: [Waiter] = []

        var pending: [Duration] { sleepers.values.map { now.duration(to: $0.deadline) }.sorted() }

        /// The waiters whose condition now holds, removed from the list.
        mutating func satisfiedWaiters() -> [CheckedContinuation<Void, Never>] {
            guard !waiters.isEmpty else { return [] }
            let pending = self.pending
            let ready = waiters.filter { $0.isSatisfied(pending) }
            waiters.removeAll { $0.isSatisfied(pending) }
            return ready.map(\.continuation)
        }
    }

    private let state = Mutex(State())

    package init() {}

    package var now: Instant { state.withLock { $0.now } }
    package var minimumResolution: Duration { .nanoseconds(1) }

    package func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (outcome, waiters) = state.withLock { s -> (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                    if s.cancelledBeforeSleeping.remove(id) != nil { return (.failure(CancellationError()), []) }
                    if deadline <= s.now { return (.success(()), []) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return (nil, s.satisfiedWaiters())
                }
                for w in waiters { w.resume() }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let (sleeper, waiters) = state.withLock { s -> (Sleeper?, [CheckedContinuation<Void, Never>]) in
                if let sleeper = s.sleepers.removeValue(forKey: id) { return (sleeper, s.satisfiedWaiters()) }
                s.cancelledBeforeSleeping.insert(id)
                return (nil, [])
            }
            sleeper?.continuation.resume(throwing: CancellationError())
            for w in waiters { w.resume() }
        }
    }

    /// Moves time forward by `duration` and wakes, earliest deadline first, every sleeper whose
    /// deadline is now reached.
    package func advance(by duration: Duration) {
        let (woken, waiters) = state.withLock { s -> ([Sleeper], [CheckedContinuation<Void, Never>]) in
            s.now = s.now.advanced(by: duration)
            let due = s.sleepers.filter { $0.value.deadline <= s.now }.sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
            for (id, _) in due { s.sleepers.removeValue(forKey: id) }
            return (due.map(\.value), s.satisfiedWaiters())
        }
        for sleeper in woken { sleeper.continuation.resume() }
        for w in waiters { w.resume() }
    }

    /// How long each sleeper still has to sleep, shortest first.
    package var pendingSleeps: [Duration] { state.withLock { $0.pending } }

    /// Returns once `condition` holds for the time each sleeper has left (`pendingSleeps`):
    /// for example `{ $0 == [.seconds(1)] }`, one task waiting exactly one second.
    package func waitForSleepers(where condition: @escaping @Sendable ([Duration]) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if condition(s.pending) { return true }
                s.waiters.append(Waiter(isSatisfied: condition, continuation: continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
