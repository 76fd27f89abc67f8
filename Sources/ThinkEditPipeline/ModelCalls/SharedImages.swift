import Synchronization
import ThinkEditBackends

/// Images several calls in flight send at once (the source of a trajectory whose turns are scored
/// side by side): each is read from the store and base64-encoded once while any of its users is in
/// flight, and dropped when the last one is done, so what is held stays bounded by the calls in
/// flight.
final class SharedImages: Sendable {
    private struct Entry {
        var payload: ImagePayload
        var users: Int
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The payload of the image with content hash `hash`, read with `read` unless a caller still
    /// holds it. Every call that returns must be matched by one `release(hash)`.
    func acquire(_ hash: String, read: () throws -> [UInt8]) throws -> ImagePayload {
        if let held = entries.withLock({ Self.claim(hash, in: &$0) }) { return held }
        // Read outside the lock; a second reader of the same image meanwhile keeps the first one in.
        let payload = ImagePayload(bytes: try read(), hash: hash)
        return entries.withLock { e in
            if let held = Self.claim(hash, in: &e) { return held }
            e[hash] = Entry(payload: payload, users: 1)
            return payload
        }
    }

    func release(_ hash: String) {
        entries.withLock { e in
            guard var entry = e[hash] else { return }
            entry.users -= 1
            e[hash] = entry.users > 0 ? entry : nil
        }
    }

    /// How many images are held now (for tests).
    var count: Int { entries.withLock { $0.count } }

    /// The held payload of `hash`, counting one more user; nil when none is held.
    private static func claim(_ hash: String, in entries: inout [String: Entry]) -> ImagePayload? {
        guard var entry = entries[hash] else { return nil }
        entry.users += 1
        entries[hash] = entry
        return entry.payload
    }
}
