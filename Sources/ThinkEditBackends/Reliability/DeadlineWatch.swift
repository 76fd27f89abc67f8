import Synchronization
import ThinkEditCore

/// The deadlines of one reliability layer's attempts, watched by a single sleeping task.
///
/// A sleeping child task per attempt would be simplest, but a cancelled sleep on the system clock
/// keeps its timer and task until the time it was set for: with a 300-second timeout and thousands
/// of calls a second, that is hundreds of thousands of dead timers, memory that grows with the run
/// and a timer set up per call. Here an attempt arms an entry and disarms it when it ends; one
/// task sleeps until the earliest armed deadline, fires what has expired, and sleeps again. With
/// nothing armed it stops, so an idle backend leaves no sleeper behind.
final class DeadlineWatch: Sendable {
    private struct Entry {
        var deadline: AnyClock.Instant
        var fire: @Sendable () -> Void
    }

    private struct State {
        var armed: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        /// The sleeper and the deadline it sleeps until; a newer generation retires an older one.
        var sleeper: Task<Void, Never>? = nil
        var sleepingUntil: AnyClock.Instant? = nil
        var generation: UInt64 = 0
    }

    private let clock: AnyClock
    private let state = Mutex(State())

    init(clock: AnyClock) { self.clock = clock }

    /// Calls `fire` at `deadline` unless `disarm` comes first. Returns the entry's id.
    func arm(_ deadline: AnyClock.Instant, fire: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLock { s in
            let id = s.nextID
            s.nextID += 1
            s.armed[id] = Entry(deadline: deadline, fire: fire)
            // A sleeper already waking no later than this deadline covers it.
            if let until = s.sleepingUntil, until <= deadline, s.sleeper != nil { return id }
            startSleeper(&s)
            return id
        }
    }

    /// How many attempts are out with their deadline armed.
    var armedCount: Int { state.withLock { $0.armed.count } }

    func disarm(_ id: UInt64) {
        state.withLock { s in
            s.armed[id] = nil
            if s.armed.isEmpty { retireSleeper(&s) }
        }
    }

    private func retireSleeper(_ s: inout State) {
        s.sleeper?.cancel()
        s.sleeper = nil
        s.sleepingUntil = nil
        s.generation += 1
    }

    private func startSleeper(_ s: inout State) {
        retireSleeper(&s)
        let generation = s.generation
        s.sleepingUntil = s.armed.values.lazy.map(\.deadline).min()
        s.sleeper = Task { [self] in await watch(generation) }
    }

    private func watch(_ generation: UInt64) async {
        while true {
            // Fire what has expired, then find the next deadline, all under the lock.
            let (due, next): ([@Sendable () -> Void], AnyClock.Instant?) = state.withLock { s in
                guard s.generation == generation else { return ([], nil) }
                let now = clock.now
                var due: [@Sendable () -> Void] = []
                for (id, entry) in s.armed where entry.deadline <= now {
                    due.append(entry.fire)
                    s.armed[id] = nil
                }
                let next = s.armed.values.lazy.map(\.deadline).min()
                s.sleepingUntil = next
                if next == nil {
                    s.sleeper = nil
                    s.generation += 1
                }
                return (due, next)
            }
            for fire in due { fire() }
            guard let next else { return }
            do {
                try await clock.sleep(until: next)
            } catch {
                return  // retired
            }
        }
    }
}
