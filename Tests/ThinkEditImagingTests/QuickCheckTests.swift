import Testing
@testable import ThinkEditImaging

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

    @Test("a JPEG without its EOI marker is refused as truncated")
    func jpegWithoutEOI() throws {
        let bytes = try ImageCodec.encodeJPEG(Self.photo, quality: 90)
        #expect(Array(bytes.suffix(2)) == [0xFF, 0xD9])
        let error = try #require(throws: ImageError.self) { try ImageCodec.check(Array(bytes.dropLast(2)), name: "edit.jpg") }
        guard case .truncated = error else {
            Issue.record("expected truncated, got \(error)")
            return
        }
        #expect(error.description.contains("EOI"))
    }

    @Test("a marker inside a JPEG's scan data is refused, with its byte")
    func jpegMarkerInScanData() throws {
        var bytes = try ImageCodec.encodeJPEG(Self.photo, quality: 90)
        // The last byte of scan data before EOI becomes the start of a DHT marker whose length runs
        // past the end of the file.
        let at = bytes.count - 3
        bytes[at] = 0xFF
        bytes.insert(0xC4, at: at + 1)
        let error = try #require(throws: ImageError.self) { try ImageCodec.check(bytes, name: "edit.jpg") }
        #expect(error.description.contains("byte \(at)"))
    }

    @Test("bytes after a JPEG's EOI are ignored, as the full decode ignores them")
    func jpegTrailingBytes() throws {
        let bytes = try ImageCodec.encodeJPEG(Self.photo, quality: 90) + [0x00, 0x13, 0x37]
        let full = try ImageCodec.validate(bytes, name: "edit.jpg")
        #expect(try ImageCodec.check(bytes, name: "edit.jpg") == full)
    }

    @Test("a JPEG whose scan names an undefined Huffman table is refused by the bounded decode")
    func jpegUndefinedTable() throws {
        var bytes = try ImageCodec.encodeJPEG(Self.photo, quality: 90)
        // SOS: FF DA, length (2), component count (1), then per component its id and its DC/AC
        // table numbers. Table 3 is never defined; the marker structure stays whole.
        let sos = try #require((2..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        bytes[sos + 6] = 0x33
        let error = try #require(throws: ImageError.self) { try ImageCodec.check(bytes, name: "edit.jpg") }
        #expect(error.description.contains("Huffman table"))
    }

    @Test func aSizeOverTheLimitIsRefused() throws {
        for bytes in [try ImageCodec.encodePNG(Self.photo), try ImageCodec.encodeJPEG(Self.photo, quality: 90)] {
            #expect(throws: ImageError.self) { try ImageCodec.check(bytes, name: "big", limits: ImageLimits(maxPixels: 96 * 63)) }
        }
    }
}
