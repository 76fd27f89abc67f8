import Synchronization
import ThinkEditStore

/// The first failure of the run itself — its database or image store cannot be written (a full
/// disk, a read-only work directory) or is damaged — seen by one of a stage's concurrent tasks.
/// Such a failure is not the trajectory's fault and cannot be recorded against it (the database
/// may refuse that write too), so instead of marking the item failed the task reports it here,
/// the stage stops taking work, and then throws it: the command exits non-zero with the store's
/// message, and the stage is not recorded as done, so a rerun picks up the items left pending.
final class RunFailure: Sendable {
    private let first = Mutex<StoreError?>(nil)

    /// Keeps `error` if it is the first, and asks the stage to stop taking work.
    func report(_ error: StoreError, stopping interruption: Interruption) {
        first.withLock { if $0 == nil { $0 = error } }
        interruption.requestStop()
    }

    /// Throws the first reported failure, if any.
    func check() throws {
        if let error = first.withLock({ $0 }) { throw error }
    }
}
