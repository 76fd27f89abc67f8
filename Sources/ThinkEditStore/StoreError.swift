#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Problems with a run's work directory or database, with what to do about them.
package enum StoreError: Error, CustomStringConvertible, Equatable {
    /// Another process holds the run's write lock.
    case locked(workdir: String, holder: String)
    /// The work directory has no run database (for commands that only read).
    case noRun(workdir: String)
    /// The work directory or a file in it cannot be created or written.
    case notWritable(path: String, reason: String)
    /// The database file is not a thinkedit database, or is damaged.
    case corrupt(path: String, reason: String)
    /// The database was written by a newer thinkedit.
    case newerSchema(path: String)

    package var description: String {
        switch self {
        case .locked(let w, let holder):
            return "\(w): another thinkedit process (\(holder)) is writing this run; wait for it to finish or stop it. `thinkedit status` can read the run meanwhile."
        case .noRun(let w):
            return "\(w): no run here (no thinkedit.sqlite): check --workdir / `workdir`, or start the run with `thinkedit run` or `thinkedit pool import`."
        case .notWritable(let p, let r):
            return "\(p): cannot write (\(r)): check the permissions and the free space of the work directory."
        case .corrupt(let p, let r):
            return "\(p): not a readable thinkedit database (\(r)). Restore it from a backup or start a new work directory."
        case .newerSchema(let p):
            return "\(p): written by a newer thinkedit; use that version."
        }
    }
}

extension StoreError {
    /// The reason of a failed file operation in the user's words: a full disk (or quota) says so
    /// plainly, as the database's own SQLITE_FULL does.
    package static func reason(errno code: Int32) -> String {
        let system = String(cString: strerror(code))
        return code == ENOSPC || code == EDQUOT ? "the disk is full: \(system)" : system
    }
}
