import Foundation

/// Results of parallel work, one slot per task: `DispatchQueue.concurrentPerform` workers fill
/// them from many threads, the caller reads them in order afterwards.
package final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    package init(count: Int) { slots = Array(repeating: nil, count: count) }

    package func set(_ i: Int, _ r: Result<T, any Error>) {
        lock.lock()
        slots[i] = r
        lock.unlock()
    }

    /// The slot's value, or the error its task threw. A slot never set is a programming error.
    package func get(_ i: Int) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try slots[i]!.get()
    }
}
