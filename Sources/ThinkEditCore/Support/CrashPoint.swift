#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Named places in the code where the kill -9 tests stop the process. With the environment
/// variable `THINKEDIT_CRASH_AT=NAME` (or `NAME#N`, the N-th time the place is reached) the process
/// sends itself SIGKILL there: no cleanup, no flush, exactly what a power cut or the OOM killer
/// does. Unset, a crash point costs one comparison.
package enum CrashPoint {
    private static let target: (name: String, count: Int)? = {
        guard let raw = getenv("THINKEDIT_CRASH_AT").map({ String(cString: $0) }), !raw.isEmpty else { return nil }
        let parts = raw.split(separator: "#", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let passes = Mutex(0)

    /// Kills the process here if the environment names this place (and this pass).
    package static func here(_ name: String) {
        guard let target, target.name == name else { return }
        let pass = passes.withLock { n in
            n += 1
            return n
        }
        if pass == target.count { kill(getpid(), SIGKILL) }
    }
}
