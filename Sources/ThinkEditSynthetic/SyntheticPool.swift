import Foundation
import ThinkEditCore
import ThinkEditImaging
import ThinkEditStore

/// The pool synthesizer behind `thinkedit pool synth`: source images and `pool.jsonl` rows in the
/// SPEC §4.1 format, so a synthetic pool goes through the same import as a real one. The ground
/// truth travels in each row's `meta` as `{"synthetic": {...}}` (see `SyntheticTruth`).
///
/// Deterministic: the same (count, seed, imageSize) writes the same bytes. Ids are `syn-000001`...,
/// images `images/s-000001.png` (about one in five is a JPEG, `images/s-000001.jpg`).
package enum SyntheticPool {
    /// One pool row with its encoded source image.
    package struct Item: Sendable, Hashable {
        package var id: String
        package var task: String
        package var instruction: String
        /// Path of the image relative to the pool folder.
        package var imagePath: String
        package var imageBytes: [UInt8]
        package var truth: SyntheticTruth
        /// The row's `meta` object as JSON text.
        package var meta: String { truth.metaJSON() }
    }

    /// Share of source images written as JPEG rather than PNG.
    static let jpegShare = 0.2

    /// The 1-based `index`-th item of the pool for `seed`.
    package static func item(index: Int, seed: UInt64, imageSize: Int = 256, precisionMix: PrecisionMix = .standard) throws -> Item {
        guard (16...4096).contains(imageSize) else {
            throw SyntheticError.invalidSetting(name: "imageSize", detail: "\(imageSize) is outside 16...4096 pixels")
        }
        let draft = SceneGenerator.draft(seed: seed, index: index, size: imageSize, precisionMix: precisionMix)
        let number = padded(index)
        let raster = draft.truth.scene.render(size: imageSize)
        var format = SeededRandom("pool-format", String(seed), String(index))
        let bytes: [UInt8]
        let path: String
        if format.chance(jpegShare) {
            bytes = try ImageCodec.encodeJPEG(raster, quality: 92)
            path = "images/s-\(number).jpg"
        } else {
            bytes = try SyntheticImages.encodePNG(raster)
            path = "images/s-\(number).png"
        }
        return Item(id: "syn-\(number)", task: draft.task, instruction: draft.instruction, imagePath: path, imageBytes: bytes, truth: draft.truth)
    }

    /// Writes `count` items into `directory` (created if needed): `images/` and `pool.jsonl`.
    /// Returns the number of rows written. Items are made in chunks on every core and written in
    /// index order as they come, so memory holds one chunk per core, not the pool; `pool.jsonl`
    /// appears (by rename) only once every row and image is on disk.
    @discardableResult
    package static func write(count: Int, seed: UInt64, to directory: String, imageSize: Int = 256, precisionMix: PrecisionMix = .standard) throws -> Int {
        guard count >= 0 else { throw SyntheticError.invalidSetting(name: "count", detail: "\(count) is negative") }
        let root = URL(fileURLWithPath: directory, isDirectory: true)
        let images = root.appendingPathComponent("images", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        } catch {
            throw SyntheticError.cannotWrite(path: images.path, detail: error.localizedDescription)
        }
        let pool = root.appendingPathComponent("pool.jsonl")
        let partial = root.appendingPathComponent("pool.jsonl.partial")
        // The pool file and the images go through AtomicFile: a crash leaves no partial file under
        // a real name, and a full disk is said plainly.
        @Sendable func written<T>(_ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch StoreError.notWritable(let path, let reason) {
                throw SyntheticError.cannotWrite(path: path, detail: reason)
            }
        }
        let out = try written { try AtomicFile.create(partial.path) }
        var finished = false
        defer { if !finished { close(out) } }

        let chunk = 64
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var next = 1
        while next <= count {
            // One round: `workers` chunks side by side, then their rows in order.
            let starts = Array(stride(from: next, through: count, by: chunk).prefix(workers))
            let results = ResultSlots<String>(count: starts.count)
            DispatchQueue.concurrentPerform(iterations: starts.count) { slot in
                let first = starts[slot]
                do {
                    var lines = JSONWriter()
                    for index in first..<min(first + chunk, count + 1) {
                        let item = try item(index: index, seed: seed, imageSize: imageSize, precisionMix: precisionMix)
                        let file = root.appendingPathComponent(item.imagePath)
                        try written { try AtomicFile.write(item.imageBytes, to: file.path) }
                        appendRow(item, to: &lines)
                        lines.text += "\n"
                    }
                    results.set(slot, .success(lines.text))
                } catch {
                    results.set(slot, .failure(error))
                }
            }
            for slot in starts.indices {
                var lines = try results.get(slot)
                try written { try lines.withUTF8 { try AtomicFile.writeAll(out, UnsafeRawBufferPointer($0), path: partial.path) } }
            }
            next += chunk * starts.count
        }
        finished = true
        try written { try AtomicFile.finish(out, temp: partial.path, to: pool.path) }
        return count
    }

    /// One JSONL line (without its line break), keys sorted:
    /// `{"id","image","instruction","meta","source","task"}`.
    static func row(_ item: Item) -> String {
        var w = JSONWriter()
        appendRow(item, to: &w)
        return w.text
    }

    static func appendRow(_ item: Item, to w: inout JSONWriter) {
        w.object { o in
            o.field("id", item.id)
            o.field("image", item.imagePath)
            o.field("instruction", item.instruction)
            o.key("meta")
            o.raw(item.meta)
            o.field("source", "synthetic")
            o.field("task", item.task)
        }
    }

    static func padded(_ n: Int) -> String {
        let digits = String(n)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }
}
