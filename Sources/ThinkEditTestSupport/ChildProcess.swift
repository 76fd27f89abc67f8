import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Test processes that run a built binary to its end, the way a user's shell would.
package enum ChildProcess {
    /// Runs `executable` with `arguments`, its output discarded, and `environment` added to this
    /// process's (for the child only); waits for it. Returns its exit status, or nil when a
    /// signal ended it (a crash point's SIGKILL, say).
    package static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Int32? {
        let child = try SpawnedProcess(executable, arguments, environment: environment)
        child.wait()
        return child.exitStatus
    }
}

/// A child process started with posix_spawn (output discarded) and reaped with waitpid, so that
/// "is it still running?" has an exact answer (Foundation's `Process.isRunning` lags on Linux);
/// for tests that kill a run at a moment of their choosing.
package final class SpawnedProcess {
    package let pid: pid_t
    package private(set) var exitStatus: Int32? = nil
    package private(set) var signalled = false

    /// Starts `executable` with `arguments`, its output discarded, and `environment` added to this
    /// process's (for the child only).
    package init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for a in argv + envp { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        self.pid = pid
    }

    /// Reaps the child if it has ended; true while it runs.
    package var isRunning: Bool {
        guard exitStatus == nil && !signalled else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            record(status)
            return false
        }
        return true
    }

    /// Waits for the child to end.
    package func wait() {
        guard exitStatus == nil && !signalled else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        record(status)
    }

    package func kill() { _ = Glibc.kill(pid, SIGKILL) }

    private func record(_ status: Int32) {
        if status & 0x7f == 0 { exitStatus = (status >> 8) & 0xff } else { signalled = true }
    }

    package var succeeded: Bool { exitStatus == 0 }
}
