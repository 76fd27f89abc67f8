#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ThinkEditCore

/// The one way thinkedit puts a file or a folder in place: written under a temporary name in the
/// same folder, flushed, then renamed, so a crash never leaves a partial file under a real name.
/// Every failure is a `StoreError.notWritable` naming the path, and a full disk (or quota) says so
/// plainly.
package enum AtomicFile {
    /// Writes `bytes` to `target` (replacing it if it exists). The folder must exist.
    package static func write(_ bytes: some ContiguousBytes, to target: String) throws {
        let dir = (target as NSString).deletingLastPathComponent
        let temp = "\(dir)/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(temp) }
        do {
            try bytes.withUnsafeBytes { try writeAll(fd, $0, path: target) }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        CrashPoint.here("file.written")
        do {
            try finish(fd, temp: temp, to: target)
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Writes `bytes` as the new file `path` inside a folder that is private until it is renamed
    /// into place as a whole (the export's and the report's temporary folders): no temporary name
    /// and no flush of its own, the same plain failures.
    package static func writeNew(_ bytes: some ContiguousBytes, to path: String) throws {
        let fd = try create(path)
        defer { close(fd) }
        try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    /// Opens `path` (created or emptied) to be written through `writeAll`; for the temporary file
    /// of a large file written in pieces (`trajectories export`, the synthetic pool), which
    /// `finish` then puts in place.
    package static func create(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path) }
        return fd
    }

    /// Flushes and closes the temporary file `fd`, then renames it over `target`.
    package static func finish(_ fd: Int32, temp: String, to target: String) throws {
        if fsync(fd) != 0 {
            let error = failure(target)
            close(fd)
            throw error
        }
        close(fd)
        try commit(temp, to: target)
    }

    /// Renames a finished temporary file over `target`.
    private static func commit(_ temp: String, to target: String) throws {
        guard rename(temp, target) == 0 else { throw failure(target) }
    }

    /// Puts the folder `new` (built beside it) at `target`. An existing `target` is first renamed
    /// to `aside`, then deleted once the new folder is in place; if the second rename fails, the
    /// old folder goes back. `target` names a whole folder at every moment but the one between the
    /// two renames.
    package static func replaceFolder(_ target: String, with new: String, aside: String) throws {
        try? FileManager.default.removeItem(atPath: aside)
        let hadOld = FileManager.default.fileExists(atPath: target)
        if hadOld {
            guard rename(target, aside) == 0 else { throw failure(target) }
        }
        guard rename(new, target) == 0 else {
            let error = failure(target)
            if hadOld { _ = rename(aside, target) }
            throw error
        }
        if hadOld { try? FileManager.default.removeItem(atPath: aside) }
    }

    /// Writes every byte of `bytes` to the open file `fd`, through short writes and interrupts. A
    /// failure is `StoreError.notWritable` naming `path`, a full disk said plainly. For files that
    /// need no rename of their own (the export writes into a private folder renamed as a whole).
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var written = 0
        while written < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(path)
            }
            written += n
        }
    }

    private static func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
        #else
        Darwin.write(fd, bytes, count)
        #endif
    }

    /// The error for the current `errno` at `path`.
    private static func failure(_ path: String) -> StoreError {
        StoreError.notWritable(path: path, reason: StoreError.reason(errno: errno))
    }
}
