import Dispatch
import GRDB
import Synchronization

/// Group commit for the writes of many concurrent tasks (generation commits one after every
/// model call). A task hands its write over and is suspended until the transaction holding it has
/// committed; the writes handed over while a transaction is being written go together in the
/// next one, each in a savepoint of its own, so one that fails is rolled back alone. The work
/// runs on a queue of its own: no thread that runs tasks or HTTP waits on SQLite or on an image
/// file's flush, and N writes that arrive together cost one commit instead of N.
///
/// A caller resumes only after its transaction committed (or with the error that stopped it), so
/// a call whose result goes through here is still never repeated after a crash (SPEC §2.8). The
/// wait is not cancellable: a result that arrived is committed even when the stage is
/// interrupted meanwhile.
final class GroupCommit: Sendable {
    private struct Pending: Sendable {
        /// Work outside the transaction, before it (writing and flushing an image file).
        let prepare: @Sendable () throws -> Void
        /// Runs the write in its savepoint; returns what resumes the caller once the
        /// transaction's outcome is known.
        let apply: @Sendable (Database) -> @Sendable ((any Error)?) -> Void
        /// Resumes the caller with an error, the write not having run.
        let fail: @Sendable (any Error) -> Void
    }

    private let state = Mutex<(pending: [Pending], draining: Bool)>(([], false))
    private let queue = DispatchQueue(label: "thinkedit.group-commit")

    /// Commits `body` to `store` in a transaction shared with the writes handed over at about the
    /// same time, after `prepare` has run (outside it).
    func write<T: Sendable>(to store: RunStore, prepare: @escaping @Sendable () throws -> Void,
                            _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let pending = Pending(
                prepare: prepare,
                apply: { db in
                    do {
                        var value: T? = nil
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        let result = value!
                        return { error in
                            if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: result) }
                        }
                    } catch {
                        let mapped = (error as? DatabaseError).map { RunStore.mapped($0, path: store.databasePath) } ?? error
                        return { _ in continuation.resume(throwing: mapped) }
                    }
                },
                fail: { continuation.resume(throwing: $0) })
            let start = state.withLock { s in
                s.pending.append(pending)
                if s.draining { return false }
                s.draining = true
                return true
            }
            if start { queue.async { self.drain(store) } }
        }
    }

    /// Writes handed over and not yet taken into a transaction.
    var waiting: Int { state.withLock { $0.pending.count } }

    /// Commits what is pending, group by group, until nothing is.
    private func drain(_ store: RunStore) {
        while true {
            let group = state.withLock { s in
                let taken = s.pending
                s.pending.removeAll(keepingCapacity: true)
                if taken.isEmpty { s.draining = false }
                return taken
            }
            if group.isEmpty { return }
            var ready: [Pending] = []
            ready.reserveCapacity(group.count)
            for p in group {
                do {
                    try p.prepare()
                    ready.append(p)
                } catch {
                    p.fail(error)
                }
            }
            if ready.isEmpty { continue }
            var finish: [@Sendable ((any Error)?) -> Void] = []
            do {
                try store.write { db in finish = ready.map { $0.apply(db) } }
                for f in finish { f(nil) }
            } catch {
                if finish.count == ready.count {
                    for f in finish { f(error) }
                } else {
                    for p in ready { p.fail(error) }
                }
            }
        }
    }
}
