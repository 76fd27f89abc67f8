import Testing
@testable import ThinkEditImaging

@Suite("Encode/decode round trips")
struct CodecRoundTripTests {
    @Test("PNG round trip is pixel-exact at every zlib level and filter choice",
          arguments: [PNGEncodeOptions(), PNGEncodeOptions(compressionLevel: 0, filters: .none),
                      PNGEncodeOptions(compressionLevel: 9, filters: .all),
                      PNGEncodeOptions(compressionLevel: 1, filters: .paeth)])
    func pngRoundTripIsExact(options: PNGEncodeOptions) throws {
        let image = SyntheticPhoto.make(width: 97, height: 61, seed: 3)
        let bytes = try ImageCodec.encodePNG(image, options: options)
        let back = try ImageCodec.decode(bytes, name: "roundtrip.png")
        #expect(back == image)
    }

    @Test("JPEG round trip at quality 95 keeps PSNR at or above 40 dB")
    func jpegRoundTripQuality95() throws {
        let image = SyntheticPhoto.make(width: 256, height: 192, seed: 11, noise: 2)
        let bytes = try ImageCodec.encodeJPEG(image, quality: 95)
        let back = try ImageCodec.decode(bytes, name: "roundtrip.jpg")
        #expect(back.width == image.width && back.height == image.height)
        #expect(psnr(back, image) >= 40)
    }

    @Test("chroma is subsampled by default below quality 90 only")
    func defaultChromaChoice() {
        #expect(JPEGEncodeOptions(quality: 89).subsampleChroma)
        #expect(!JPEGEncodeOptions(quality: 90).subsampleChroma)
        #expect(JPEGEncodeOptions(quality: 95, subsampleChroma: true).subsampleChroma)
    }

    @Test("keeping full chroma resolution gives a closer JPEG than 4:2:0 at the same quality")
    func fullChromaIsCloser() throws {
        let image = SyntheticPhoto.make(width: 128, height: 96, seed: 4, noise: 0)
        let sub = try ImageCodec.decode(
            try ImageCodec.encodeJPEG(image, options: JPEGEncodeOptions(quality: 95, subsampleChroma: true)), name: "420.jpg")
        let full = try ImageCodec.decode(
            try ImageCodec.encodeJPEG(image, options: JPEGEncodeOptions(quality: 95, subsampleChroma: false)), name: "444.jpg")
        #expect(psnr(full, image) > psnr(sub, image))
    }

    @Test("JPEG quality orders file size: lower quality, smaller file")
    func jpegQualityControlsSize() throws {
        let image = SyntheticPhoto.make(width: 128, height: 96, seed: 5)
        let small = try ImageCodec.encodeJPEG(image, quality: 30)
        let large = try ImageCodec.encodeJPEG(image, quality: 95)
        #expect(small.count < large.count)
    }

    @Test("info reads format and size from the header of both formats")
    func infoReadsHeader() throws {
        let image = SyntheticPhoto.make(width: 40, height: 30, seed: 1)
        let png = try ImageCodec.info(try ImageCodec.encodePNG(image), name: "a.png")
        let jpeg = try ImageCodec.info(try ImageCodec.encodeJPEG(image, quality: 80), name: "a.jpg")
        #expect(png == ImageInfo(format: .png, width: 40, height: 30))
        #expect(jpeg == ImageInfo(format: .jpeg, width: 40, height: 30))
    }

    @Test("validate accepts a whole image and reports its info")
    func validateAcceptsWholeImage() throws {
        let image = SyntheticPhoto.make(width: 20, height: 10, seed: 2)
        let info = try ImageCodec.validate(try ImageCodec.encodeJPEG(image, quality: 90), name: "ok.jpg")
        #expect(info == ImageInfo(format: .jpeg, width: 20, height: 10))
    }

    @Test("encoders reject out-of-range quality and zlib level")
    func encoderArgumentsAreChecked() throws {
        let image = RGBImage(width: 2, height: 2)
        #expect(throws: ImageError.invalidArgument("JPEG quality 0 is outside 1...100")) {
            try ImageCodec.encodeJPEG(image, quality: 0)
        }
        #expect(throws: ImageError.invalidArgument("PNG compression level 10 is outside 0...9")) {
            try ImageCodec.encodePNG(image, options: PNGEncodeOptions(compressionLevel: 10))
        }
    }

    @Test("one-pixel images survive both codecs")
    func onePixelImages() throws {
        let image = RGBImage(width: 1, height: 1, fill: (10, 200, 30))
        #expect(try ImageCodec.decode(try ImageCodec.encodePNG(image), name: "1.png") == image)
        let jpeg = try ImageCodec.decode(try ImageCodec.encodeJPEG(image, quality: 100), name: "1.jpg")
        #expect(jpeg.width == 1 && jpeg.height == 1)
        #expect(zip(jpeg.pixels, image.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 3 })
    }
}
