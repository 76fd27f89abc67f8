import Foundation
import Testing
@testable import ThinkEditCore
@testable import ThinkEditStore

/// The response cache's own rules: an entry is found by its key from any later opening, its image
/// is stored once, and an entry whose image is missing or not whole is never served.
@Suite struct ResponseCacheStoreTests {
    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-rc-\(UUID().uuidString)").path
    }

    static func key(_ text: String) -> [UInt8] {
        var h = ContentHash.Fields()
        h.add(text)
        return h.finish()
    }

    static func image(_ byte: UInt8, count: Int = 100) -> (ImageRecord, [UInt8]) {
        let bytes = [UInt8](repeating: byte, count: count)
        return (ImageRecord(hash: ContentHash.sha256Hex(bytes), format: .png, width: 1, height: 1, bytes: count), bytes)
    }

    @Test func anEntryIsFoundFromAnotherOpeningAndAnAbsentKeyIsNot() throws {
        let dir = Self.folder()
        let cache = try ResponseCache.open(folder: dir)
        try cache.save(Self.key("a"), ResponseCache.Entry(kind: .think, answer: #"{"x":1}"#))
        // Before the write, the process that kept it already sees it.
        #expect(try cache.lookup(Self.key("a"))?.answer == #"{"x":1}"#)
        cache.flush()
        let again = try ResponseCache.open(folder: dir)
        #expect(try again.lookup(Self.key("a"))?.kind == .think)
        #expect(try again.lookup(Self.key("b")) == nil)
        #expect(try again.count() == 1)
        // Saving the same key again keeps the first answer.
        try again.save(Self.key("a"), ResponseCache.Entry(kind: .think, answer: #"{"x":2}"#))
        #expect(try ResponseCache.open(folder: dir).lookup(Self.key("a"))?.answer == #"{"x":1}"#)
    }

    @Test func anEntryWhoseImageIsMissingOrNotWholeIsNeverServed() throws {
        let dir = Self.folder()
        let cache = try ResponseCache.open(folder: dir)
        let (record, bytes) = Self.image(7)
        let (other, otherBytes) = Self.image(8)
        try cache.save(Self.key("edit-1"), ResponseCache.Entry(kind: .edit, answer: "{}", image: record), imageBytes: bytes)
        try cache.save(Self.key("edit-2"), ResponseCache.Entry(kind: .edit, answer: "{}", image: other), imageBytes: otherBytes)
        cache.flush()
        let reopened = try ResponseCache.open(folder: dir)
        #expect(try reopened.lookup(Self.key("edit-1"))?.image == record)
        // A file cut short (a disk that lost what it had not flushed), and one gone.
        try Data(bytes.prefix(10)).write(to: URL(fileURLWithPath: reopened.images.path(hash: record.hash, format: .png)))
        try FileManager.default.removeItem(atPath: reopened.images.path(hash: other.hash, format: .png))
        #expect(try reopened.lookup(Self.key("edit-1")) == nil)
        #expect(try reopened.lookup(Self.key("edit-2")) == nil)
    }

    @Test func twoEntriesWithOneImageStoreItOnce() throws {
        let dir = Self.folder()
        let cache = try ResponseCache.open(folder: dir)
        let (record, bytes) = Self.image(9)
        for k in ["x", "y"] { try cache.save(Self.key(k), ResponseCache.Entry(kind: .edit, answer: "{}", image: record), imageBytes: bytes) }
        cache.flush()
        let files = FileManager.default.enumerator(atPath: dir + "/images")?.allObjects.compactMap { $0 as? String }.filter { $0.hasSuffix(".png") }
        #expect(files?.count == 1)
    }
}
