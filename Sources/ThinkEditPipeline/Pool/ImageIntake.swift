import Foundation
import ThinkEditCore
import ThinkEditImaging
import ThinkEditStore

/// Brings the images an input file names into the run: resolves each path against the file's
/// folder, reads, hashes and fully decodes it once per distinct path (in parallel), and later copies
/// the validated files into the content-addressed store. Bytes are not kept between the two passes,
/// so memory does not grow with the number of images.
final class ImageIntake {
    struct Inspected: Sendable {
        let path: String
        let record: ImageRecord
    }

    let folder: String
    let limits: ImageLimits
    /// Path resolution is slow next to everything else in an import, and a pool names the same
    /// files again and again.
    private var resolved: [String: String] = [:]

    init(folder: String, limits: ImageLimits) {
        self.folder = folder
        self.limits = limits
    }

    func resolve(_ reference: String) -> String {
        if let p = resolved[reference] { return p }
        let p = absolutePath(reference, relativeTo: folder)
        resolved[reference] = p
        return p
    }

    /// Inspects every distinct path; the result maps path → record or the reason it is unusable.
    func inspect(_ paths: Set<String>) -> [String: Result<Inspected, ImageIntakeError>] {
        let list = Array(paths)
        let results = UnsafeMutableBufferPointer<Result<Inspected, ImageIntakeError>?>.allocate(capacity: list.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let box = UncheckedBox(results)
        let limits = self.limits
        DispatchQueue.concurrentPerform(iterations: min(list.count, ProcessInfo.processInfo.activeProcessorCount * 4)) { worker in
            let workers = min(list.count, ProcessInfo.processInfo.activeProcessorCount * 4)
            var i = worker
            while i < list.count {
                box.value[i] = Self.inspectOne(list[i], limits: limits)
                i += workers
            }
        }
        var out: [String: Result<Inspected, ImageIntakeError>] = [:]
        for (i, p) in list.enumerated() { out[p] = results[i]! }
        return out
    }

    static func inspectOne(_ path: String, limits: ImageLimits) -> Result<Inspected, ImageIntakeError> {
        let bytes: [UInt8]
        switch readFile(path) {
        case .success(let b): bytes = b
        case .failure(let e): return .failure(e)
        }
        do {
            let info = try ImageCodec.validate(bytes, name: path, limits: limits)
            let record = ImageRecord(hash: ContentHash.sha256Hex(bytes), format: info.format,
                                     width: info.width, height: info.height, bytes: bytes.count)
            return .success(Inspected(path: path, record: record))
        } catch {
            return .failure(.bad("\(error)"))
        }
    }

    static func readFile(_ path: String) -> Result<[UInt8], ImageIntakeError> {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            return .failure(.bad("\(path): no such file"))
        }
        if isDir.boolValue { return .failure(.bad("\(path): is a folder, not an image file")) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(.bad("\(path): cannot be read (permission denied?)"))
        }
        return .success([UInt8](data))
    }

    /// Copies inspected images into the store, checking each file still has the hash it had.
    func store(_ images: [Inspected], into store: ImageStore) throws {
        let list = images
        let errors = UnsafeMutableBufferPointer<(any Error)?>.allocate(capacity: list.count)
        errors.initialize(repeating: nil)
        defer { errors.deallocate() }
        let box = UncheckedBox(errors)
        let workers = max(1, min(list.count, ProcessInfo.processInfo.activeProcessorCount * 2))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < list.count {
                let item = list[i]
                do {
                    let bytes = try Self.readFile(item.path).get()
                    guard ContentHash.sha256Hex(bytes) == item.record.hash else {
                        throw ImageIntakeError.bad("\(item.path): the file changed during the import; import again")
                    }
                    try store.put(bytes, hash: item.record.hash, format: item.record.format)
                } catch {
                    box.value[i] = error
                }
                i += workers
            }
        }
        if let first = errors.compactMap({ $0 }).first { throw first }
    }
}

enum ImageIntakeError: Error, CustomStringConvertible {
    case bad(String)
    var description: String {
        switch self { case .bad(let s): return s }
    }
}
