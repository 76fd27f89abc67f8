import CJPEGShim
import ThinkEditCore

/// Which PNG row filters the encoder may use. libpng tries each allowed filter per row and keeps
/// the one with the smallest sum of absolute differences; one filter alone is faster.
package struct PNGRowFilters: OptionSet, Sendable, Hashable {
    package let rawValue: Int32
    package init(rawValue: Int32) { self.rawValue = rawValue }

    package static let none = PNGRowFilters(rawValue: Int32(TE_PNG_FILTER_NONE))
    package static let sub = PNGRowFilters(rawValue: Int32(TE_PNG_FILTER_SUB))
    package static let up = PNGRowFilters(rawValue: Int32(TE_PNG_FILTER_UP))
    package static let average = PNGRowFilters(rawValue: Int32(TE_PNG_FILTER_AVG))
    static let paeth = PNGRowFilters(rawValue: Int32(TE_PNG_FILTER_PAETH))
    package static let all: PNGRowFilters = [.none, .sub, .up, .average, .paeth]
}

/// How to write a PNG. The default favours speed: the pipeline writes many intermediate edits and
/// reads each a few times, so a fast zlib level pays off; exports may ask for more.
package struct PNGEncodeOptions: Sendable, Hashable {
    /// zlib level, 0 (store) ... 9 (smallest).
    package var compressionLevel: Int
    package var filters: PNGRowFilters

    package init(compressionLevel: Int = 2, filters: PNGRowFilters = .all) {
        self.compressionLevel = compressionLevel
        self.filters = filters
    }
}

extension ImageCodec {
    struct PNGHeader {
        let info: ImageInfo
        let bitDepth: Int
        let colorType: Int
        let interlaced: Bool
        let hasAlpha: Bool
    }

    static func pngHeader(_ bytes: [UInt8], name: String) throws -> PNGHeader {
        var header = te_png_header()
        let result = bytes.withUnsafeBufferPointer { te_png_read_header($0.baseAddress, $0.count, &header) }
        try result.check(name: name, format: .png)
        return PNGHeader(
            info: ImageInfo(format: .png, width: Int(header.width), height: Int(header.height)),
            bitDepth: Int(header.bit_depth), colorType: Int(header.color_type),
            interlaced: header.interlaced != 0, hasAlpha: header.has_alpha != 0)
    }

    static func decodePNG(
        _ bytes: [UInt8], name: String, width: Int, height: Int, background: (UInt8, UInt8, UInt8)
    ) throws -> RGBImage {
        try bytes.withUnsafeBufferPointer { data in
            try makeRaster(width: width, height: height, name: name, format: .png) { out in
                te_png_decode(data.baseAddress, data.count, out, Int32(width), Int32(height),
                              background.0, background.1, background.2)
            }
        }
    }

    /// 8-bit RGB PNG, not interlaced, with the default `PNGEncodeOptions`.
    package static func encodePNG(_ image: RGBImage) throws -> [UInt8] {
        try encodePNG(image, options: PNGEncodeOptions())
    }

    /// 8-bit RGB PNG, not interlaced. Lossless: decoding gives back `image` exactly.
    package static func encodePNG(_ image: RGBImage, options: PNGEncodeOptions) throws -> [UInt8] {
        guard (0...9).contains(options.compressionLevel) else {
            throw ImageError.invalidArgument("PNG compression level \(options.compressionLevel) is outside 0...9")
        }
        guard !options.filters.isEmpty else {
            throw ImageError.invalidArgument("PNG encoding needs at least one row filter")
        }
        return try collectEncoded(format: .png) { out, size in
            image.pixels.withUnsafeBufferPointer { px in
                te_png_encode(px.baseAddress, Int32(image.width), Int32(image.height),
                              Int32(options.compressionLevel), options.filters.rawValue, out, size)
            }
        }
    }

    /// Runs a shim encoder and copies its malloc'd output into an array.
    static func collectEncoded(
        format: ImageFormat,
        _ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>) -> te_result
    ) throws -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        let result = encode(&buffer, &size)
        defer { te_free(buffer) }
        try result.check(name: "<\(format.rawValue) encoder>", format: format)
        guard let buffer else {
            throw ImageError.codecFailure(name: "<\(format.rawValue) encoder>", detail: "no output")
        }
        return Array(UnsafeBufferPointer(start: buffer, count: size))
    }
}
