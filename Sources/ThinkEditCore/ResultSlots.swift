import Synchronization

/// Results of parallel work, one slot per task: `DispatchQueue.concurrentPerform` workers fill
/// them from many threads, the caller reads them in order afterwards.
package final class ResultSlots<T: Sendable>: Sendable {
    private let slots: Mutex<[Result<T, any Error>?]>

    package init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    package func set(_ i: Int, _ r: Result<T, any Error>) {
        slots.withLock { $0[i] = r }
    }

    /// The slot's value, or the error its task threw. A slot never set is a programming error.
    package func get(_ i: Int) throws -> T {
        try slots.withLock { $0[i] }!.get()
    }
}
