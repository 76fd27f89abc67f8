import CJPEGShim

extension ImageCodec {
    struct JPEGHeader {
        let info: ImageInfo
        let progressive: Bool
        /// Output size at the requested DCT scale.
        let scaledWidth: Int
        let scaledHeight: Int
    }

    static func jpegHeader(_ bytes: [UInt8], name: String, scaleDenominator: Int) throws -> JPEGHeader {
        var header = te_jpeg_header()
        let result = bytes.withUnsafeBufferPointer {
            te_jpeg_read_header($0.baseAddress, $0.count, Int32(scaleDenominator), &header)
        }
        try result.check(name: name, format: .jpeg)
        return JPEGHeader(
            info: ImageInfo(format: .jpeg, width: Int(header.width), height: Int(header.height)),
            progressive: header.progressive != 0,
            scaledWidth: Int(header.scaled_width), scaledHeight: Int(header.scaled_height))
    }

    /// Decodes at 1/`scaleDenominator` (1, 2, 4 or 8); `width`/`height` are the scaled size.
    static func decodeJPEG(_ bytes: [UInt8], name: String, scaleDenominator: Int, width: Int, height: Int) throws -> RGBImage {
        try bytes.withUnsafeBufferPointer { data in
            try makeRaster(width: width, height: height, name: name, format: .jpeg) { out in
                te_jpeg_decode(data.baseAddress, data.count, Int32(scaleDenominator), out, Int32(width), Int32(height))
            }
        }
    }

    /// Baseline JPEG with the standard tables scaled to `quality` (1...100; 90–95 for images a
    /// model will judge) and the default chroma choice of `JPEGEncodeOptions(quality:)`.
    package static func encodeJPEG(_ image: RGBImage, quality: Int) throws -> [UInt8] {
        try encodeJPEG(image, options: JPEGEncodeOptions(quality: quality))
    }

    /// Baseline JPEG as `options` say.
    package static func encodeJPEG(_ image: RGBImage, options: JPEGEncodeOptions) throws -> [UInt8] {
        guard (1...100).contains(options.quality) else {
            throw ImageError.invalidArgument("JPEG quality \(options.quality) is outside 1...100")
        }
        return try collectEncoded(format: .jpeg) { out, size in
            image.pixels.withUnsafeBufferPointer { px in
                te_jpeg_encode(px.baseAddress, Int32(image.width), Int32(image.height), Int32(options.quality),
                               options.subsampleChroma ? 1 : 0, out, size)
            }
        }
    }
}

/// How to write a JPEG. Chroma subsampling (4:2:0, the libjpeg and Pillow default) halves colour
/// resolution: invisible on most photos, but it smears saturated edges, which a judge model may
/// score as artifacts. So by default it is used only below quality 90, where size matters more than
/// fidelity; at 90 and above chroma stays whole (4:4:4).
package struct JPEGEncodeOptions: Sendable, Hashable {
    /// 1 ... 100, libjpeg's scale of the standard quantization tables.
    package var quality: Int
    /// true: 4:2:0 (smaller files); false: 4:4:4.
    package var subsampleChroma: Bool

    package init(quality: Int = 90, subsampleChroma: Bool? = nil) {
        self.quality = quality
        self.subsampleChroma = subsampleChroma ?? (quality < 90)
    }
}
