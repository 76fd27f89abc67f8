import Synchronization

/// The one cancellable wait of this package: a lock around some state and the tasks parked on it.
/// `OneShotEvent`, `AsyncSemaphore` and the tests' `ManualClock` are each a `WaitQueue` over their
/// own state.
///
/// A wait looks at the state under the lock (`wait`'s `decide`) and either finishes at once or
/// parks the task with a tag (what it waits for). Whoever changes the state later takes the parked
/// tasks it wants out of `waiters` under the same lock and resumes them after unlocking. A task
/// cancelled while parked leaves at once with `CancellationError`; one cancelled before it parked
/// is refused when it tries, so no wait is lost and none hangs.
///
/// ```swift
/// let event = WaitQueue<Bool, Void>(false)                     // has it happened?
/// try await event.wait { happened in happened ? .finish : .park(()) }
/// let woken = event.withLock { happened, waiters in happened = true; return waiters.removeAll() }
/// for w in woken { w.continuation.resume() }
/// ```
package final class WaitQueue<State: Sendable, Tag: Sendable>: Sendable {
    /// What a wait does once it has seen the state.
    package enum Decision {
        /// Return now.
        case finish
        /// Park until someone resumes the task.
        case park(Tag)
    }

    private struct Locked: Sendable {
        var state: State
        var waiters = Waiters<Tag>()
    }

    private let lock: Mutex<Locked>

    package init(_ state: State) {
        lock = Mutex(Locked(state: state))
    }

    /// Runs `body` under the lock with the state and the parked tasks. Resume the continuations it
    /// takes out after it returns, never inside it.
    package func withLock<R>(_ body: (inout State, inout Waiters<Tag>) throws -> sending R) rethrows -> sending R {
        try lock.withLock { locked -> sending R in try body(&locked.state, &locked.waiters) }
    }

    /// Returns when `decide` says `.finish`, or when a parked task is resumed; throws
    /// `CancellationError` when the task is cancelled first. `decide` runs under the lock, maybe
    /// twice (before and while parking), so it must change the state only when it finishes.
    /// `changed` runs under the lock whenever this wait parks or leaves by cancellation, and returns
    /// other tasks to resume then (the test clock wakes the tasks waiting for its sleepers to change).
    package func wait(_ decide: (inout State) -> Decision,
                      changed: @escaping @Sendable (inout State, Waiters<Tag>) -> [CheckedContinuation<Void, Never>] = { _, _ in [] }) async throws {
        let ticket = try lock.withLock { locked -> Int? in
            if case .finish = decide(&locked.state) { return nil }
            try Task.checkCancellation()
            return locked.waiters.ticket()
        }
        guard let ticket else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (outcome, wake) = lock.withLock { locked -> (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                    guard locked.waiters.admit(ticket) else { return (.failure(CancellationError()), []) }
                    switch decide(&locked.state) {
                    case .finish: return (.success(()), [])
                    case .park(let tag):
                        locked.waiters.park(ticket, tag, continuation)
                        return (nil, changed(&locked.state, locked.waiters))
                    }
                }
                if let outcome { continuation.resume(with: outcome) }
                for w in wake { w.resume() }
            }
        } onCancel: {
            let (waiter, wake) = lock.withLock { locked -> (CheckedContinuation<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                guard let waiter = locked.waiters.cancel(ticket) else { return (nil, []) }
                return (waiter, changed(&locked.state, locked.waiters))
            }
            waiter?.resume(throwing: CancellationError())
            for w in wake { w.resume() }
        }
    }
}

/// The tasks parked on a `WaitQueue`, in the order they parked, each with its tag.
package struct Waiters<Tag: Sendable>: Sendable {
    package typealias Waiter = (ticket: Int, tag: Tag, continuation: CheckedContinuation<Void, any Error>)

    private var lastTicket = 0
    private var parked: [Waiter] = []
    /// Tickets handed out whose task has not tried to park yet.
    private var issued: Set<Int> = []
    /// Tickets whose task was cancelled before it parked.
    private var cancelledEarly: Set<Int> = []

    init() {}

    package var isEmpty: Bool { parked.isEmpty }
    /// The tags of the parked tasks, in parking order.
    package var tags: [Tag] { parked.map(\.tag) }

    mutating func ticket() -> Int {
        lastTicket += 1
        issued.insert(lastTicket)
        return lastTicket
    }

    /// False when the ticket's task was cancelled before it could park.
    mutating func admit(_ ticket: Int) -> Bool {
        issued.remove(ticket)
        return cancelledEarly.remove(ticket) == nil
    }

    mutating func park(_ ticket: Int, _ tag: Tag, _ continuation: CheckedContinuation<Void, any Error>) {
        parked.append((ticket, tag, continuation))
    }

    /// Takes out the cancelled ticket's continuation, or remembers that it was cancelled early.
    mutating func cancel(_ ticket: Int) -> CheckedContinuation<Void, any Error>? {
        if let i = parked.firstIndex(where: { $0.ticket == ticket }) { return parked.remove(at: i).continuation }
        // Remembered only for a task that has not reached `admit` yet: one already resumed (or
        // finished without parking) has nothing left to refuse.
        if issued.contains(ticket) { cancelledEarly.insert(ticket) }
        return nil
    }

    /// Takes out the task that parked first.
    package mutating func removeFirst() -> Waiter? {
        parked.isEmpty ? nil : parked.removeFirst()
    }

    /// Takes out every parked task whose tag matches, in parking order.
    package mutating func removeAll(where matches: (Tag) -> Bool = { _ in true }) -> [Waiter] {
        let out = parked.filter { matches($0.tag) }
        parked.removeAll { matches($0.tag) }
        return out
    }
}
