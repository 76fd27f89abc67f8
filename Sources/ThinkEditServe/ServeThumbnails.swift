import Synchronization
import ThinkEditImaging
import ThinkEditPipeline
import ThinkEditStore

/// Serve's thumbnails: JPEGs at most `side` pixels on their long side, made on demand from the
/// stored image and kept, at most `limit` bytes of them.
final class ServeThumbnails: Sendable {
    /// The long side of a thumbnail, in pixels.
    static let side = 256
    static let cacheBytes = 32 << 20

    private let cache: Mutex<ThumbnailCache>

    init(limit: Int = ServeThumbnails.cacheBytes) {
        cache = Mutex(ThumbnailCache(limit: limit))
    }

    /// The thumbnail of the image `hash` (a valid hash), made once; a 404 for an image the run
    /// does not have or cannot decode.
    func thumbnail(hash: String, store: RunStore) throws -> ServeResponse {
        if let bytes = cache.withLock({ $0.get(hash) }) {
            return ServeResponse(status: 200, contentType: "image/jpeg", body: bytes)
        }
        guard let r = try store.imageRecord(hash: hash), let source = try? store.images.read(hash: r.hash, format: r.format) else {
            return .notFound("No stored image has this name.")
        }
        let scale = Double(Self.side) / Double(max(1, max(r.width, r.height)))
        let pixels = scale >= 1 ? r.width * r.height
            : max(1, Int((Double(r.width) * scale).rounded()) * Int((Double(r.height) * scale).rounded()))
        guard let small = try? ImageCodec.decode(source, name: r.hash, fittingMaxPixels: pixels),
              let jpeg = try? ImageCodec.encodeJPEG(small, quality: 82) else {
            return .notFound("The stored image \(hash) cannot be decoded.")
        }
        cache.withLock { $0.put(hash, jpeg) }
        return ServeResponse(status: 200, contentType: "image/jpeg", body: jpeg)
    }

    /// Thumbnails held now, and their bytes.
    var use: (count: Int, bytes: Int) {
        cache.withLock { ($0.count, $0.bytes) }
    }
}

/// Thumbnails by hash, at most `limit` bytes in all; the oldest go first.
struct ThumbnailCache: Sendable {
    let limit: Int
    private var entries: [String: [UInt8]] = [:]
    private var order: [String] = []
    private var head = 0
    private(set) var bytes = 0

    init(limit: Int) { self.limit = limit }

    var count: Int { entries.count }

    func get(_ hash: String) -> [UInt8]? { entries[hash] }

    mutating func put(_ hash: String, _ data: [UInt8]) {
        guard entries[hash] == nil, data.count <= limit else { return }
        entries[hash] = data
        order.append(hash)
        bytes += data.count
        while bytes > limit, head < order.count {
            let old = order[head]
            head += 1
            bytes -= entries.removeValue(forKey: old)?.count ?? 0
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
