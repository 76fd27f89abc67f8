import Testing
@testable import ThinkEditImaging

@Suite("Resize")
struct ResizeTests {
    @Test("the fitted size never exceeds the budget and keeps the aspect within one pixel",
          arguments: [(2048, 1536, 1_048_576), (1536, 2048, 1_048_576), (4000, 3000, 1_000_000), (1001, 999, 250_000),
                      (12345, 67, 100_000), (67, 12345, 100_000), (3, 5000, 1000), (7, 7, 48), (640, 480, 307_199)])
    func fittedSizeRespectsBudgetAndAspect(w: Int, h: Int, budget: Int) {
        let size = RGBImage.fittingSize(width: w, height: h, maxPixels: budget)
        #expect(size.width * size.height <= budget)
        #expect(size.width <= w && size.height <= h)
        let (long, short, newLong, newShort) = w >= h ? (w, h, size.width, size.height) : (h, w, size.height, size.width)
        let exactShort = Double(short) * Double(newLong) / Double(long)
        #expect(abs(Double(newShort) - exactShort) <= 1 || newShort == 1)
    }

    @Test("the fitted size uses the budget well (at least 99% for large images)")
    func fittedSizeIsNotWasteful() {
        let size = RGBImage.fittingSize(width: 2048, height: 1536, maxPixels: 1024 * 1024)
        #expect(size.width * size.height >= 1024 * 1024 * 99 / 100)
    }

    @Test("an image that already fits is returned unchanged, never upscaled")
    func neverUpscales() {
        let image = SyntheticPhoto.make(width: 30, height: 20, seed: 1)
        #expect(image.resized(maxPixels: 600) == image)
        #expect(image.resized(maxPixels: 10_000) == image)
        #expect(RGBImage.fittingSize(width: 30, height: 20, maxPixels: 1_000_000) == (30, 20))
    }

    /// The reference: a plain box filter on an integer ratio, every output pixel the rounded mean
    /// of its factor × factor block.
    static func boxReference(_ image: RGBImage, factor: Int) -> RGBImage {
        let w = image.width / factor, h = image.height / factor
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var sum = 0
                    for dy in 0..<factor {
                        for dx in 0..<factor {
                            sum += Int(image.pixels[((y * factor + dy) * image.width + x * factor + dx) * 3 + c])
                        }
                    }
                    out[(y * w + x) * 3 + c] = UInt8((sum + factor * factor / 2) / (factor * factor))
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    @Test("every filter is at least 30 dB from a box-filter reference on an integer ratio",
          arguments: ResizeFilter.allCases)
    func qualityAgainstBoxReference(filter: ResizeFilter) {
        let image = SyntheticPhoto.make(width: 400, height: 300, seed: 21)
        let reference = Self.boxReference(image, factor: 4)
        let resized = image.resized(width: 100, height: 75, filter: filter)
        #expect(psnr(resized, reference) >= 30)
    }

    @Test("the box filter on an integer ratio is the block mean, within rounding")
    func boxFilterIsAreaAverage() {
        let image = SyntheticPhoto.make(width: 60, height: 40, seed: 8)
        let reference = Self.boxReference(image, factor: 2)
        let resized = image.resized(width: 30, height: 20, filter: .box)
        #expect(zip(resized.pixels, reference.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
    }

    @Test("downscaling antialiases: a one-pixel checkerboard becomes flat grey, not an alias pattern")
    func antialiasesFineDetail() {
        var px = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for y in 0..<64 {
            for x in 0..<64 where (x + y) % 2 == 0 {
                px[(y * 64 + x) * 3] = 255; px[(y * 64 + x) * 3 + 1] = 255; px[(y * 64 + x) * 3 + 2] = 255
            }
        }
        let board = RGBImage(width: 64, height: 64, pixels: px)
        let small = board.resized(width: 21, height: 21)  // a non-integer ratio, where nearest neighbour aliases
        #expect(small.pixels.allSatisfy { abs(Int($0) - 128) <= 12 })
    }

    @Test("a flat image stays exactly flat at any size")
    func flatStaysFlat() {
        let flat = RGBImage(width: 97, height: 53, fill: (12, 200, 77))
        for filter in ResizeFilter.allCases {
            #expect(flat.resized(width: 31, height: 20, filter: filter) == RGBImage(width: 31, height: 20, fill: (12, 200, 77)))
        }
    }

    @Test("resized(maxPixels:) hits the fitted size")
    func resizedHasFittedSize() {
        let image = SyntheticPhoto.make(width: 320, height: 240, seed: 2)
        let small = image.resized(maxPixels: 10_000)
        let expected = RGBImage.fittingSize(width: 320, height: 240, maxPixels: 10_000)
        #expect(small.width == expected.width && small.height == expected.height)
    }

    @Test("decoding a JPEG to fit uses DCT scaling and matches full decode + resize closely",
          arguments: [4_000, 20_000, 60_000, 200_000])
    func jpegDecodeToFit(budget: Int) throws {
        let image = SyntheticPhoto.make(width: 640, height: 480, seed: 13, noise: 2)
        let bytes = try ImageCodec.encodeJPEG(image, quality: 95)
        let fitted = try ImageCodec.decode(bytes, name: "fit.jpg", fittingMaxPixels: budget)
        let slow = try ImageCodec.decode(bytes, name: "fit.jpg").resized(maxPixels: budget)
        #expect(fitted.width == slow.width && fitted.height == slow.height)
        #expect(fitted.width * fitted.height <= budget)
        #expect(psnr(fitted, slow) >= 30)
    }

    @Test("decoding a PNG to fit equals decode + resize exactly")
    func pngDecodeToFit() throws {
        let image = SyntheticPhoto.make(width: 200, height: 100, seed: 6)
        let bytes = try ImageCodec.encodePNG(image)
        let fitted = try ImageCodec.decode(bytes, name: "fit.png", fittingMaxPixels: 5_000)
        #expect(fitted == image.resized(maxPixels: 5_000))
    }
}
