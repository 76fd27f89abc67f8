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

    /// A test waiting for the sleepers to be in some state.
    private struct Watcher {
        var isSatisfied: @Sendable ([Duration]) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var watchers: [Watcher] = []
    }

    /// The time, the tests watching, and the sleepers (each tagged with its deadline).
    private let queue = WaitQueue<State, Instant>(State())

    package init() {}

    package var now: Instant { queue.withLock { s, _ in s.now } }
    package var minimumResolution: Duration { .nanoseconds(1) }

    package func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await queue.wait({ s in deadline <= s.now ? .finish : .park(deadline) }, changed: Self.satisfiedWatchers)
    }

    /// Moves time forward by `duration` and wakes, earliest deadline first, every sleeper whose
    /// deadline is now reached.
    package func advance(by duration: Duration) {
        typealias Woken = [CheckedContinuation<Void, any Error>]
        let (woken, watchers) = queue.withLock { s, sleepers -> (Woken, [CheckedContinuation<Void, Never>]) in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let due = sleepers.removeAll { $0 <= now }.enumerated().sorted { ($0.element.tag, $0.offset) < ($1.element.tag, $1.offset) }
            return (due.map(\.element.continuation), Self.satisfiedWatchers(&s, sleepers))
        }
        for sleeper in woken { sleeper.resume() }
        for w in watchers { w.resume() }
    }

    /// How long each sleeper still has to sleep, shortest first.
    package var pendingSleeps: [Duration] { queue.withLock { s, sleepers in Self.pending(s, sleepers) } }

    /// Returns once `condition` holds for the time each sleeper has left (`pendingSleeps`):
    /// for example `{ $0 == [.seconds(1)] }`, one task waiting exactly one second.
    package func waitForSleepers(where condition: @escaping @Sendable ([Duration]) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = queue.withLock { s, sleepers -> Bool in
                if condition(Self.pending(s, sleepers)) { return true }
                s.watchers.append(Watcher(isSatisfied: condition, continuation: continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private static func pending(_ s: State, _ sleepers: Waiters<Instant>) -> [Duration] {
        sleepers.tags.map { s.now.duration(to: $0) }.sorted()
    }

    /// The watchers whose condition now holds, taken out of the list.
    @Sendable private static func satisfiedWatchers(_ s: inout State, _ sleepers: Waiters<Instant>) -> [CheckedContinuation<Void, Never>] {
        guard !s.watchers.isEmpty else { return [] }
        let pending = pending(s, sleepers)
        let ready = s.watchers.filter { $0.isSatisfied(pending) }
        s.watchers.removeAll { $0.isSatisfied(pending) }
        return ready.map(\.continuation)
    }
}

extension AnyClock {
    /// A clock nobody moves: deadlines and backoffs on it never pass, so a test about answers, not
    /// time, does not see a slow answer on a busy machine time out or a retry wait.
    package static var still: AnyClock { AnyClock(ManualClock()) }
}
