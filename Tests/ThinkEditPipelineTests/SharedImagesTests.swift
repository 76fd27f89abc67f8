import Testing
@testable import ThinkEditBackends
@testable import ThinkEditPipeline

/// An image sent by several calls in flight is read once, and let go with its last user.
@Suite struct SharedImagesTests {
    struct ReadFailed: Error {}

    @Test func oneReadWhileAnyUserHoldsItAndNoneLeftAfter() throws {
        let images = SharedImages()
        var reads = 0
        let read = { () throws -> [UInt8] in
            reads += 1
            return [1, 2, 3]
        }
        let a = try images.acquire("h1", read: read)
        let b = try images.acquire("h1", read: read)
        _ = try images.acquire("h2", read: read)
        #expect(reads == 2)
        #expect(a == b && a.bytes == [1, 2, 3] && a.hash == "h1")
        #expect(images.count == 2)
        images.release("h1")
        images.release("h2")
        #expect(images.count == 1)
        images.release("h1")
        #expect(images.count == 0)
        // Gone with its last user: the next caller reads it again.
        _ = try images.acquire("h1", read: read)
        #expect(reads == 3)
    }

    @Test func aFailedReadHoldsNothing() {
        let images = SharedImages()
        #expect(throws: ReadFailed.self) { try images.acquire("h", read: { throw ReadFailed() }) }
        #expect(images.count == 0)
    }
}
