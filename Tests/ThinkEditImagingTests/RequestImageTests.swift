import Testing
@testable import ThinkEditCore
@testable import ThinkEditImaging

@Suite("Data URLs, content hashes and request images")
struct RequestImageTests {
    @Test("a data URL carries the MIME type and the exact bytes")
    func dataURLRoundTrip() throws {
        let bytes: [UInt8] = [0, 1, 2, 250, 251, 252, 253]
        let url = DataURL.make(bytes, format: .png)
        #expect(url.hasPrefix("data:image/png;base64,"))
        #expect(url == "data:image/png;base64,AAEC+vv8/Q==")
        let parsed = try #require(DataURL.parse(url))
        #expect(parsed.format == .png && parsed.bytes == bytes)
        #expect(DataURL.length(byteCount: bytes.count, format: .png) == url.utf8.count)
        #expect(DataURL.make([1, 2, 3], format: .jpeg) == "data:image/jpeg;base64,AQID")
    }

    @Test("the content hash is SHA-256 of the encoded bytes")
    func contentHashIsSHA256OfBytes() {
        #expect(ImageCodec.contentHash(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let image = EncodedImage(bytes: Array("abc".utf8), format: .png, width: 1, height: 1)
        #expect(image.contentHash == ContentHash.sha256Hex(Array("abc".utf8)))
    }

    @Test("an image within budget is sent byte-for-byte")
    func withinBudgetIsUntouched() throws {
        let bytes = try ImageCodec.encodePNG(SyntheticPhoto.make(width: 64, height: 48, seed: 1))
        let sent = try RequestImageEncoder.encode(bytes, name: "a.png", policy: RequestImagePolicy(maxDataURLBytes: 1_000_000))
        #expect(sent.bytes == bytes && sent.format == .png)
    }

    @Test("a request-side pixel cap downscales even under the byte budget, keeping PNG lossless")
    func pixelCapDownscales() throws {
        let bytes = try ImageCodec.encodePNG(SyntheticPhoto.make(width: 200, height: 100, seed: 1))
        let sent = try RequestImageEncoder.encode(bytes, name: "a.png", policy: RequestImagePolicy(maxPixels: 5_000))
        #expect(sent.format == .png)
        #expect(sent.width * sent.height <= 5_000)
        #expect(try ImageCodec.info(sent.bytes, name: "sent") == ImageInfo(format: .png, width: sent.width, height: sent.height))
    }

    @Test("an image over the byte budget is re-encoded and shrunk until its data URL fits",
          arguments: [200_000, 40_000, 8_000])
    func overBudgetFits(budget: Int) throws {
        let bytes = try ImageCodec.encodePNG(SyntheticPhoto.make(width: 640, height: 480, seed: 3))
        let sent = try RequestImageEncoder.encode(bytes, name: "big.png", policy: RequestImagePolicy(maxDataURLBytes: budget))
        #expect(sent.dataURL.utf8.count <= budget)
        #expect(sent.format == .jpeg)
        // Aspect kept within a pixel of 4:3.
        #expect(abs(Double(sent.height) - Double(sent.width) * 0.75) <= 1)
        // The bytes decode to the size announced.
        let decoded = try ImageCodec.decode(sent.bytes, name: "sent")
        #expect(decoded.width == sent.width && decoded.height == sent.height)
    }

    @Test("an impossible budget is a typed error naming the file")
    func impossibleBudget() throws {
        let bytes = try ImageCodec.encodeJPEG(SyntheticPhoto.make(width: 64, height: 64, seed: 3), quality: 90)
        let error = try #require(throws: RequestImageError.self) {
            try RequestImageEncoder.encode(bytes, name: "x.jpg", policy: RequestImagePolicy(maxDataURLBytes: 100))
        }
        #expect(error.description.contains("x.jpg") && error.description.contains("100"))
    }
}
