import Testing
@testable import ThinkEditImaging

/// Every PNG and JPEG variant the decoder promises, from the committed fixtures.
@Suite("Decoding every input kind to RGB8")
struct InputKindTests {
    static let plain = FixturePattern.image(FixturePattern.rgb)

    @Test("16-bit RGB PNG rounds each sample to the nearest 8-bit value")
    func png16BitRounds() throws {
        let image = try ImageCodec.decode(try fixture("rgb16.png"), name: "rgb16.png")
        #expect(image == Self.plain)
    }

    @Test("8-bit gray PNG expands to equal R, G and B")
    func pngGray8() throws {
        let image = try ImageCodec.decode(try fixture("gray8.png"), name: "gray8.png")
        #expect(image == FixturePattern.image { x, _ in (8 * x, 8 * x, 8 * x) })
    }

    @Test("2-bit gray PNG scales its levels to 0, 85, 170, 255")
    func pngGray2() throws {
        let image = try ImageCodec.decode(try fixture("gray2.png"), name: "gray2.png")
        #expect(image == FixturePattern.image { x, y in
            let v = 85 * ((x + y) % 4)
            return (v, v, v)
        })
    }

    @Test("4-bit palette PNG looks up its colours")
    func pngPalette() throws {
        let image = try ImageCodec.decode(try fixture("palette4.png"), name: "palette4.png")
        #expect(image == FixturePattern.image { x, y in
            let i = (x + y) % 16
            return (16 * i, 255 - 16 * i, 7 * i)
        })
    }

    @Test("palette PNG with tRNS is composited on the background")
    func pngPaletteTransparency() throws {
        let image = try ImageCodec.decode(try fixture("palette8_trns.png"), name: "palette8_trns.png", background: (0, 0, 255))
        #expect(image == FixturePattern.image { x, y in
            let i = (x + y) % 16, a = 17 * i
            return (FixturePattern.composite(16 * i, a, over: 0), FixturePattern.composite(255 - 16 * i, a, over: 0),
                    FixturePattern.composite(7 * i, a, over: 255))
        })
    }

    static func composited(over bg: (Int, Int, Int)) -> RGBImage {
        FixturePattern.image { x, y in
            let (r, g, b) = FixturePattern.rgb(x, y), a = FixturePattern.alpha(x, y)
            return (FixturePattern.composite(r, a, over: bg.0), FixturePattern.composite(g, a, over: bg.1),
                    FixturePattern.composite(b, a, over: bg.2))
        }
    }

    @Test("RGBA PNG alpha is composited on white by default",
          arguments: ["rgba8.png", "rgba16.png", "rgba8_interlaced.png"])
    func pngAlphaOnWhite(file: String) throws {
        let image = try ImageCodec.decode(try fixture(file), name: file)
        #expect(image == Self.composited(over: (255, 255, 255)))
    }

    @Test("RGBA PNG alpha is composited on a configured background")
    func pngAlphaOnBackground() throws {
        let image = try ImageCodec.decode(try fixture("rgba8.png"), name: "rgba8.png", background: (10, 120, 240))
        #expect(image == Self.composited(over: (10, 120, 240)))
    }

    @Test("gray+alpha PNG is expanded, then composited")
    func pngGrayAlpha() throws {
        let image = try ImageCodec.decode(try fixture("graya8.png"), name: "graya8.png", background: (0, 0, 0))
        #expect(image == FixturePattern.image { x, y in
            let v = FixturePattern.composite(8 * x, FixturePattern.alpha(x, y), over: 0)
            return (v, v, v)
        })
    }

    @Test("interlaced (Adam7) PNG decodes like the plain one")
    func pngInterlaced() throws {
        let image = try ImageCodec.decode(try fixture("rgb8_interlaced.png"), name: "rgb8_interlaced.png")
        #expect(image == Self.plain)
    }

    @Test("progressive JPEG decodes close to its source", arguments: ["progressive.jpg"])
    func jpegProgressive(file: String) throws {
        let image = try ImageCodec.decode(try fixture(file), name: file)
        #expect(psnr(image, Self.plain) >= 35)
    }

    @Test("gray JPEG decodes to equal R, G and B close to its source")
    func jpegGray() throws {
        let image = try ImageCodec.decode(try fixture("gray.jpg"), name: "gray.jpg")
        #expect(image.pixels.indices.filter { $0 % 3 == 0 }.allSatisfy {
            image.pixels[$0] == image.pixels[$0 + 1] && image.pixels[$0] == image.pixels[$0 + 2]
        })
        #expect(psnr(image, FixturePattern.image { x, _ in (8 * x, 8 * x, 8 * x) }) >= 35)
    }

    @Test("CMYK JPEG (Adobe, inverted) is converted back to RGB")
    func jpegCMYK() throws {
        let image = try ImageCodec.decode(try fixture("cmyk.jpg"), name: "cmyk.jpg")
        #expect(psnr(image, Self.plain) >= 35)
    }

    @Test("info sees through every fixture's header",
          arguments: ["rgb16.png", "gray2.png", "palette4.png", "rgba8_interlaced.png", "progressive.jpg", "gray.jpg", "cmyk.jpg"])
    func infoOfFixtures(file: String) throws {
        let info = try ImageCodec.info(try fixture(file), name: file)
        #expect(info.width == 32 && info.height == 24)
        #expect(info.format == (file.hasSuffix(".png") ? .png : .jpeg))
    }
}
