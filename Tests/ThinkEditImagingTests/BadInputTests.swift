import Testing
@testable import ThinkEditImaging

/// Every kind of bad input gives a typed error that names the file; nothing crashes.
@Suite("Bad inputs")
struct BadInputTests {
    static let photo = SyntheticPhoto.make(width: 64, height: 48, seed: 9)

    @Test("an empty file is reported as empty")
    func emptyFile() {
        #expect(throws: ImageError.empty(name: "empty.png")) {
            try ImageCodec.decode([], name: "empty.png")
        }
        let message = ImageError.empty(name: "empty.png").description
        #expect(message.contains("empty.png") && message.contains("empty"))
    }

    @Test("text is not an image", arguments: [Array("hello, world\n".utf8), [0xFF, 0xD8], [137, 80, 78]])
    func notAnImage(bytes: [UInt8]) {
        #expect(throws: ImageError.notAnImage(name: "notes.txt")) {
            try ImageCodec.info(bytes, name: "notes.txt")
        }
    }

    @Test("a PNG cut anywhere is truncated", arguments: [0.1, 0.5, 0.95])
    func truncatedPNG(fraction: Double) throws {
        let bytes = try ImageCodec.encodePNG(Self.photo)
        let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
        let error = try #require(throws: ImageError.self) { try ImageCodec.decode(cut, name: "cut.png") }
        guard case .truncated(let name, _) = error else {
            Issue.record("expected truncated, got \(error)")
            return
        }
        #expect(name == "cut.png")
        #expect(error.description.contains("cut.png") && error.description.contains("truncated"))
    }

    @Test("a PNG missing only its IEND chunk passes info but fails validate")
    func pngMissingTail() throws {
        let bytes = try ImageCodec.encodePNG(Self.photo)
        let cut = Array(bytes.dropLast(12))
        #expect(try ImageCodec.info(cut, name: "tail.png") == ImageInfo(format: .png, width: 64, height: 48))
        let error = try #require(throws: ImageError.self) { try ImageCodec.validate(cut, name: "tail.png") }
        guard case .truncated = error else {
            Issue.record("expected truncated, got \(error)")
            return
        }
    }

    @Test("a JPEG cut anywhere after its header is truncated", arguments: [0.3, 0.7, 0.999])
    func truncatedJPEG(fraction: Double) throws {
        let bytes = try ImageCodec.encodeJPEG(Self.photo, quality: 90)
        let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
        let error = try #require(throws: ImageError.self) { try ImageCodec.validate(cut, name: "cut.jpg") }
        guard case .truncated(let name, _) = error else {
            Issue.record("expected truncated, got \(error)")
            return
        }
        #expect(name == "cut.jpg")
    }

    @Test("a flipped byte inside PNG image data is corrupt (CRC)")
    func corruptPNG() throws {
        var bytes = try ImageCodec.encodePNG(Self.photo)
        bytes[bytes.count / 2] ^= 0x5A
        let error = try #require(throws: ImageError.self) { try ImageCodec.decode(bytes, name: "bad.png") }
        guard case .corrupt(let name, .png, let detail) = error else {
            Issue.record("expected corrupt PNG, got \(error)")
            return
        }
        #expect(name == "bad.png")
        #expect(!detail.isEmpty)
    }

    @Test("overwritten JPEG scan data is corrupt")
    func corruptJPEG() throws {
        var bytes = try ImageCodec.encodeJPEG(Self.photo, quality: 90)
        // Markers inside entropy-coded data: libjpeg meets an unexpected marker mid-scan.
        for i in stride(from: bytes.count / 2, to: bytes.count / 2 + 64, by: 2) {
            bytes[i] = 0xFF
            bytes[i + 1] = 0xD3
        }
        let error = try #require(throws: ImageError.self) { try ImageCodec.decode(bytes, name: "bad.jpg") }
        guard case .corrupt(let name, .jpeg, _) = error else {
            Issue.record("expected corrupt JPEG, got \(error)")
            return
        }
        #expect(name == "bad.jpg")
    }

    @Test("a corrupt PNG header (bad IHDR CRC) is corrupt")
    func corruptPNGHeader() throws {
        var bytes = try ImageCodec.encodePNG(Self.photo)
        bytes[29] ^= 0xFF  // inside IHDR's CRC
        let error = try #require(throws: ImageError.self) { try ImageCodec.info(bytes, name: "hdr.png") }
        guard case .corrupt(_, .png, _) = error else {
            Issue.record("expected corrupt PNG, got \(error)")
            return
        }
    }

    @Test("an over-limit image is refused from its header with size and limit in the message")
    func tooLargeByLimit() throws {
        let bytes = try ImageCodec.encodeJPEG(Self.photo, quality: 90)
        let limits = ImageLimits(maxPixels: 1000)
        let expected = ImageError.tooLarge(name: "big.jpg", width: 64, height: 48, limit: 1000)
        #expect(throws: expected) { try ImageCodec.info(bytes, name: "big.jpg", limits: limits) }
        #expect(throws: expected) { try ImageCodec.decode(bytes, name: "big.jpg", limits: limits) }
        #expect(expected.description.contains("64×48") && expected.description.contains("1000"))
    }

    @Test("a forged 100000×100000 PNG header is refused before any decoding")
    func forgedHugePNG() {
        // Signature + IHDR with no valid CRC and no data: only the header peek can see the size.
        var bytes: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13] + Array("IHDR".utf8)
        bytes += [0x00, 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0, 8, 2, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: ImageError.tooLarge(name: "huge.png", width: 100_000, height: 100_000, limit: 64_000_000)) {
            try ImageCodec.decode(bytes, name: "huge.png")
        }
    }

    @Test("a forged 65535×65535 JPEG frame header is refused before any decoding")
    func forgedHugeJPEG() {
        // SOI, an APP0 segment to walk past, then SOF0 announcing 65535×65535, then nothing.
        var bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00]
        bytes += [0xFF, 0xC0, 0x00, 0x11, 8, 0xFF, 0xFF, 0xFF, 0xFF, 3]
        #expect(throws: ImageError.tooLarge(name: "huge.jpg", width: 65_535, height: 65_535, limit: 64_000_000)) {
            try ImageCodec.info(bytes, name: "huge.jpg")
        }
    }

    @Test("a PNG signature followed by garbage is corrupt, not a crash")
    func pngSignatureThenGarbage() {
        let bytes: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10] + Array(repeating: 0x41, count: 40)
        #expect(throws: ImageError.self) { try ImageCodec.decode(bytes, name: "junk.png") }
    }

    @Test("a JPEG SOI followed by garbage is an error, not a crash")
    func jpegSignatureThenGarbage() {
        let bytes: [UInt8] = [0xFF, 0xD8, 0xFF] + Array(repeating: 0x41, count: 40)
        #expect(throws: ImageError.self) { try ImageCodec.decode(bytes, name: "junk.jpg") }
    }
}
