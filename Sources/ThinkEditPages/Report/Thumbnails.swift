#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ThinkEditImaging
import ThinkEditPipeline
import ThinkEditStore

/// Makes the report's thumbnails: JPEGs at most `longSide` pixels on their long side, named by the
/// image's content hash (`thumbs/ab/<hash>.jpg`), so an image used by many turns is made once.
/// A thumbnail the previous report already made is hard-linked from it instead of being made
/// again, which makes a rerun cheap. Work is spread over the machine's cores.
struct Thumbnails: Sendable {
    static let longSide = 96
    static let quality = 80

    let images: ImageStore
    /// The folder being built (`<report tmp>/thumbs`).
    let folder: String
    /// The live report's thumbnails, reused when present.
    let previous: String?

    /// The path of a thumbnail relative to the report folder.
    static func relativePath(hash: String) -> String {
        "thumbs/\(hash.prefix(2))/\(hash).jpg"
    }

    /// Makes the thumbnails of `records` that the folder does not hold yet. Returns the hashes
    /// whose image could not be read or decoded: the pages show a placeholder for them.
    func make(_ records: [ImageRecord]) -> Set<String> {
        var todo: [ImageRecord] = []
        var seen = Set<String>()
        for r in records where seen.insert(r.hash).inserted {
            let target = path(r.hash)
            if access(target, F_OK) == 0 { continue }
            // The folder made once per page is a cheap syscall; EEXIST is the common answer.
            mkdir("\(folder)/\(r.hash.prefix(2))", 0o755)
            if let previous, link("\(previous)/\(r.hash.prefix(2))/\(r.hash).jpg", target) == 0 { continue }
            todo.append(r)
        }
        guard !todo.isEmpty else { return [] }
        let work = todo
        let failed = LockedSet<String>()
        let workers = min(todo.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < work.count {
                if !makeOne(work[i]) { failed.insert(work[i].hash) }
                i += workers
            }
        }
        return Set(todo.lazy.map(\.hash).filter { failed.contains($0) })
    }

    private func path(_ hash: String) -> String {
        "\(folder)/\(hash.prefix(2))/\(hash).jpg"
    }

    /// Decodes, shrinks and writes one thumbnail (temporary name, then rename).
    private func makeOne(_ r: ImageRecord) -> Bool {
        guard let bytes = try? images.read(hash: r.hash, format: r.format) else { return false }
        let scale = Double(Self.longSide) / Double(max(1, max(r.width, r.height)))
        let pixels = scale >= 1 ? r.width * r.height
            : max(1, Int((Double(r.width) * scale).rounded()) * Int((Double(r.height) * scale).rounded()))
        guard let small = try? ImageCodec.decode(bytes, name: r.hash, fittingMaxPixels: pixels),
              let jpeg = try? ImageCodec.encodeJPEG(small, quality: Self.quality) else { return false }
        return (try? AtomicFile.write(jpeg, to: path(r.hash))) != nil
    }
}

