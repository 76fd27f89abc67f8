#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ThinkEditCore

/// The content-addressed image store of a run: `<workdir>/images/<h0h1>/<sha256>.<ext>`.
/// A file is written under a temporary name, flushed, and renamed, so a crash never leaves a
/// partial image under a real name; a file whose name exists is never written again.
package struct ImageStore: Sendable {
    package let root: String

    init(workdir: String) {
        root = (workdir as NSString).appendingPathComponent("images")
    }

    /// The store whose folder is `root` (the response cache's).
    init(root: String) {
        self.root = (root as NSString).standardizingPath
    }

    /// The file of an image.
    package func path(hash: String, format: ImageFormat) -> String {
        "\(root)/\(hash.prefix(2))/\(hash).\(format.fileExtension)"
    }

    /// Stores `bytes` (whose SHA-256 is `hash`) unless the store already has them.
    package func put(_ bytes: [UInt8], hash: String, format: ImageFormat) throws {
        try CPUMeter.measure(.imageStore) { try putUnmetered(bytes, hash: hash, format: format) }
    }

    private func putUnmetered(_ bytes: [UInt8], hash: String, format: ImageFormat) throws {
        let target = path(hash: hash, format: format)
        if access(target, F_OK) == 0 { return }
        let dir = (target as NSString).deletingLastPathComponent
        if mkdir(dir, 0o755) != 0 && errno != EEXIST {
            if mkdir(root, 0o755) != 0 && errno != EEXIST {
                throw StoreError.notWritable(path: root, reason: StoreError.reason(errno: errno))
            }
            if mkdir(dir, 0o755) != 0 && errno != EEXIST {
                throw StoreError.notWritable(path: dir, reason: StoreError.reason(errno: errno))
            }
        }
        try AtomicFile.write(bytes, to: target)
    }

    /// The bytes of a stored image, read straight into the array that is returned.
    package func read(hash: String, format: ImageFormat) throws -> [UInt8] {
        let p = path(hash: hash, format: format)
        return try CPUMeter.measure(.imageStore) {
            let fd = open(p, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                if errno == ENOENT {
                    throw StoreError.corrupt(path: p, reason: "an image the database names is missing from the store")
                }
                throw StoreError.corrupt(path: p, reason: "a stored image cannot be opened: \(StoreError.reason(errno: errno))")
            }
            defer { close(fd) }
            var status = stat()
            guard fstat(fd, &status) == 0 else {
                throw StoreError.corrupt(path: p, reason: "a stored image cannot be read: \(StoreError.reason(errno: errno))")
            }
            let size = Int(status.st_size)
            var failure: Int32 = 0
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                while count < size {
                    let n = Self.systemRead(fd, buffer.baseAddress! + count, size - count)
                    if n > 0 {
                        count += n
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else {
                        failure = n < 0 ? errno : EIO
                        return
                    }
                }
            }
            guard failure == 0 else {
                throw StoreError.corrupt(path: p, reason: "a stored image cannot be read: \(StoreError.reason(errno: failure))")
            }
            return bytes
        }
    }

    private static func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
        #else
        Darwin.read(fd, buffer, count)
        #endif
    }
}

extension ImageStore {
    /// Makes the image `hash` of another run's store part of this one: a hard link when both are
    /// on one file system (images are never rewritten, so sharing the inode is safe), else a copy.
    package func adopt(hash: String, format: ImageFormat, from other: ImageStore) throws {
        try CPUMeter.measure(.imageStore) {
            let target = path(hash: hash, format: format)
            let origin = other.path(hash: hash, format: format)
            // The folder of the hash's first two digits exists but for the first image in it.
            if link(origin, target) == 0 || errno == EEXIST { return }
            if errno == ENOENT {
                let dir = (target as NSString).deletingLastPathComponent
                if mkdir(dir, 0o755) != 0 && errno == ENOENT {
                    _ = mkdir(root, 0o755)
                    _ = mkdir(dir, 0o755)
                }
                if link(origin, target) == 0 || errno == EEXIST { return }
            }
            // Another file system, or no such origin (then reading it says so).
            try putUnmetered(try other.read(hash: hash, format: format), hash: hash, format: format)
        }
    }
}
