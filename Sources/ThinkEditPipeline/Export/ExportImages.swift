#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import ThinkEditCore
import ThinkEditImaging
import ThinkEditStore

/// Materializes the images of an export: every distinct stored image once, named by the SHA-256 of
/// the bytes written. An image that already fits in `maxPixels` is hard-linked from the run's store
/// (copied when the store is on another file system) and keeps its name; a larger one is decoded
/// straight to the fitted size (`ImageCodec.decode(_:fittingMaxPixels:)`), re-encoded in its own
/// format, and named by the hash of the new bytes. Resizing runs on every core.
struct ExportImages {
    let store: RunStore
    let maxPixels: Int
    /// Where resized images are written before they are placed (a folder on the export's file system).
    let staging: String

    /// What became of one stored image, kept small: an export holds one for each of 200,000
    /// images, and its file's name and path follow from the image's hash.
    struct Output: Sendable {
        var format: ImageFormat
        /// The name of the resized file in `staging` (the SHA-256 of its bytes); nil when the
        /// stored file is exported as it is, under its own name.
        var resizedName: String?

        var resized: Bool { resizedName != nil }

        /// The file name inside `images/` of the image `hash`.
        func name(_ hash: String) -> String { resizedName ?? "\(hash).\(format.fileExtension)" }
    }

    /// Resizes what must be resized into `staging` (a folder on the export's file system) and
    /// returns, for every image, where its export file comes from.
    func prepare(_ images: [ImageRecord]) throws -> [String: Output] {
        var outputs: [String: Output] = [:]
        outputs.reserveCapacity(images.count)
        var large: [ImageRecord] = []
        for image in images {
            if image.width * image.height <= maxPixels {
                outputs[image.hash] = Output(format: image.format, resizedName: nil)
            } else {
                large.append(image)
            }
        }
        if !large.isEmpty {
            try makeFolder(staging)
            let results = ResultSlots<Output>(count: large.count)
            let store = self.store, maxPixels = self.maxPixels, staging = self.staging, todo = large
            DispatchQueue.concurrentPerform(iterations: todo.count) { i in
                results.set(i, Result { try Self.resize(todo[i], store: store, maxPixels: maxPixels, into: staging) })
            }
            for (i, image) in large.enumerated() {
                outputs[image.hash] = try results.get(i)
            }
        }
        return outputs
    }

    static func resize(_ image: ImageRecord, store: RunStore, maxPixels: Int, into staging: String) throws -> Output {
        let source = store.images.path(hash: image.hash, format: image.format)
        let bytes: [UInt8]
        do {
            bytes = try store.images.read(hash: image.hash, format: image.format)
        } catch {
            throw ExportError.badImage(hash: image.hash, path: source, reason: "\(error)")
        }
        let encoded: [UInt8]
        do {
            let fitted = try ImageCodec.decode(bytes, name: source, fittingMaxPixels: maxPixels)
            switch image.format {
            case .jpeg: encoded = try ImageCodec.encodeJPEG(fitted, quality: 95)
            case .png: encoded = try ImageCodec.encodePNG(fitted)
            }
        } catch {
            throw ExportError.badImage(hash: image.hash, path: source, reason: "\(error)")
        }
        let name = ContentHash.sha256Hex(encoded) + "." + image.format.fileExtension
        let file = (staging as NSString).appendingPathComponent(name)
        try writeFile(encoded, to: file)
        return Output(format: image.format, resizedName: name)
    }

    /// Puts the image `hash` (its `output`) in `folder`, under its name: a hard link, or a copy
    /// when linking is not possible.
    func place(_ hash: String, _ output: Output, in folder: String) throws {
        let file = output.resizedName.map { (staging as NSString).appendingPathComponent($0) }
            ?? store.images.path(hash: hash, format: output.format)
        let target = (folder as NSString).appendingPathComponent(output.name(hash))
        if link(file, target) == 0 { return }
        if errno == EEXIST { return }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ExportError.badImage(hash: hash, path: file, reason: "the file cannot be read")
        }
        try writeFile([UInt8](data), to: target)
    }
}

/// Creates `path` and its parents.
func makeFolder(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw ExportError.notWritable(path: path, reason: (error as NSError).localizedDescription)
    }
}

/// Writes a new file in full (the folder is private to this export until it is renamed in place).
func writeFile(_ bytes: [UInt8], to path: String) throws {
    do {
        try AtomicFile.writeNew(bytes, to: path)
    } catch StoreError.notWritable(let path, let reason) {
        throw ExportError.notWritable(path: path, reason: reason)
    }
}

/// Writes every byte to `fd` (`AtomicFile.writeAll`): a failure names `path` and says plainly when
/// the disk is full.
func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, path: String) throws {
    do {
        try AtomicFile.writeAll(fd, raw, path: path)
    } catch StoreError.notWritable(let path, let reason) {
        throw ExportError.notWritable(path: path, reason: reason)
    }
}

func writeFile(_ text: String, to path: String) throws {
    try writeFile(Array(text.utf8), to: path)
}
