import Testing
@testable import ThinkEditImaging

@Suite("JPEG DCT-domain scaling")
struct DCTScalingTests {
    @Test("the largest scale that stays at or above the target is chosen; none below a 2× shrink",
          arguments: [
              (2048, 1536, 1182, 887, 1),  // 1.73×: no DCT scaling
              (2048, 1536, 1024, 768, 2),  // exactly 2×
              (4000, 3000, 1182, 887, 2),  // 3.4×: 1/4 would give 1000 < 1182
              (4000, 3000, 500, 375, 8),
              (4001, 3001, 501, 376, 8),  // libjpeg rounds up: ceil(4001/8) = 501, ceil(3001/8) = 376
              (4001, 3001, 502, 376, 4),  // one pixel more than 1/8 gives
              (100, 100, 99, 99, 1),
          ])
    func denominatorChoice(w: Int, h: Int, tw: Int, th: Int, expected: Int) {
        let chosen = ImageCodec.dctDenominator(width: w, height: h, target: (tw, th))
        #expect(chosen == expected)
        // Whatever is chosen never undershoots the target.
        #expect((w + chosen - 1) / chosen >= tw && (h + chosen - 1) / chosen >= th)
    }

    @Test("a scaled JPEG header and decode give ceil(size / denominator)", arguments: [2, 4, 8])
    func scaledDecodeSize(denominator: Int) throws {
        let image = SyntheticPhoto.make(width: 203, height: 101, seed: 4)
        let bytes = try ImageCodec.encodeJPEG(image, quality: 90)
        let header = try ImageCodec.jpegHeader(bytes, name: "s.jpg", scaleDenominator: denominator)
        let w = (203 + denominator - 1) / denominator, h = (101 + denominator - 1) / denominator
        #expect(header.scaledWidth == w && header.scaledHeight == h)
        let small = try ImageCodec.decodeJPEG(bytes, name: "s.jpg", scaleDenominator: denominator, width: w, height: h)
        // Close to a box average of the full image at the same scale.
        let reference = image.resized(width: w, height: h, filter: .box)
        #expect(psnr(small, reference) >= 25)
    }
}
