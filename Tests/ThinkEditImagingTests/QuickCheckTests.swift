import Testing
import ThinkEditImaging

/// `ImageCodec.check`, the cheaper check of an editor's image: it accepts what the full decode
/// accepts at the same size, and refuses a cut file, a changed byte and an over-limit size.
@Suite("Quick image check")
struct QuickCheckTests {
    static let photo = SyntheticPhoto.make(width: 96, height: 64, seed: 4)

    @Test func acceptsWhatValidateAcceptsWithTheSameSize() throws {
        for bytes in [try ImageCodec.encodePNG(Self.photo), try ImageCodec.encodeJPEG(Self.photo, quality: 90)] {
            let quick = try ImageCodec.check(bytes, name: "edit")
            let full = try ImageCodec.validate(bytes, name: "edit")
            #expect(quick == full)
            #expect(quick.width == 96 && quick.height == 64)
        }
    }

    @Test("a cut file is refused", arguments: [0.3, 0.7, 0.99])
    func cutFiles(fraction: Double) throws {
        for bytes in [try ImageCodec.encodePNG(Self.photo), try ImageCodec.encodeJPEG(Self.photo, quality: 90)] {
            let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
            #expect(throws: ImageError.self) { try ImageCodec.check(cut, name: "cut") }
        }
    }

    @Test("one changed byte in a PNG's image data is refused by its CRC")
    func changedByte() throws {
        var bytes = try ImageCodec.encodePNG(Self.photo)
        bytes[bytes.count / 2] ^= 0x40
        let error = try #require(throws: ImageError.self) { try ImageCodec.check(bytes, name: "edit.png") }
        #expect(error.description.contains("CRC"))
    }

    @Test func aSizeOverTheLimitIsRefused() throws {
        let bytes = try ImageCodec.encodePNG(Self.photo)
        #expect(throws: ImageError.self) { try ImageCodec.check(bytes, name: "big", limits: ImageLimits(maxPixels: 96 * 63)) }
    }
}
