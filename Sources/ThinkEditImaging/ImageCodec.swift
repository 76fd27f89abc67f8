import CJPEGShim
import ThinkEditCore

/// Reading and writing PNG and JPEG as `RGBImage`.
///
/// Contract for every reader: the format is recognized by its signature (never by a file
/// extension); the header is read and checked against `ImageLimits` before pixel memory is
/// allocated; any failure is an `ImageError` naming `name`; nothing is printed. Decoders accept
/// PNG of any bit depth and colour type (alpha composited on a background) and baseline or
/// progressive JPEG in gray, YCbCr/RGB or CMYK/YCCK. All functions are thread-safe: each call
/// owns its codec state.
package enum ImageCodec {
    /// Header only: format and size, refusing over-limit images. Cheap.
    package static func info(_ bytes: [UInt8], name: String, limits: ImageLimits = ImageLimits()) throws -> ImageInfo {
        let format = try checkedFormat(bytes, name: name, limits: limits)
        let info: ImageInfo
        switch format {
        case .png: info = try pngHeader(bytes, name: name).info
        case .jpeg: info = try jpegHeader(bytes, name: name, scaleDenominator: 1).info
        }
        try enforce(limits, on: info, name: name)
        return info
    }

    /// Full decode to RGB8 (alpha composited on `background`, default white).
    package static func decode(
        _ bytes: [UInt8], name: String, limits: ImageLimits = ImageLimits(),
        background: (UInt8, UInt8, UInt8) = (255, 255, 255)
    ) throws -> RGBImage {
        switch try checkedFormat(bytes, name: name, limits: limits) {
        case .png:
            let header = try pngHeader(bytes, name: name)
            try enforce(limits, on: header.info, name: name)
            return try decodePNG(bytes, name: name, width: header.info.width, height: header.info.height, background: background)
        case .jpeg:
            let header = try jpegHeader(bytes, name: name, scaleDenominator: 1)
            try enforce(limits, on: header.info, name: name)
            return try decodeJPEG(bytes, name: name, scaleDenominator: 1, width: header.info.width, height: header.info.height)
        }
    }

    /// Decodes fully and discards the pixels: the import-time check that a file is a whole, valid
    /// image (a truncated tail or a damaged scan fails here, where `info` would pass).
    package static func validate(_ bytes: [UInt8], name: String, limits: ImageLimits = ImageLimits()) throws -> ImageInfo {
        let image = try decode(bytes, name: name, limits: limits)
        let format = try sniff(bytes, name: name)
        return ImageInfo(format: format, width: image.width, height: image.height)
    }

    // MARK: Shared checks

    static func sniff(_ bytes: [UInt8], name: String) throws -> ImageFormat {
        if bytes.isEmpty {
            throw ImageError.empty(name: name)
        }
        guard let format = ImageFormat.sniff(bytes) else {
            throw ImageError.notAnImage(name: name)
        }
        return format
    }

    /// The format, after refusing an over-limit size announced by the first bytes.
    static func checkedFormat(_ bytes: [UInt8], name: String, limits: ImageLimits) throws -> ImageFormat {
        let format = try sniff(bytes, name: name)
        if let size = HeaderPeek.size(of: bytes, format: format) {
            try enforce(limits, on: ImageInfo(format: format, width: size.width, height: size.height), name: name)
        }
        return format
    }

    static func enforce(_ limits: ImageLimits, on info: ImageInfo, name: String) throws {
        // Multiplied in full width: both sides come from 32-bit header fields.
        if info.width.multipliedReportingOverflow(by: info.height).partialValue > limits.maxPixels {
            throw ImageError.tooLarge(name: name, width: info.width, height: info.height, limit: limits.maxPixels)
        }
    }

    /// Allocates the raster and lets `fill` write every byte of it; `fill` reports through the shim.
    static func makeRaster(
        width: Int, height: Int, name: String, format: ImageFormat,
        _ fill: (UnsafeMutablePointer<UInt8>) -> te_result
    ) throws -> RGBImage {
        var result = te_result()
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { buffer, count in
            result = fill(buffer.baseAddress!)
            // On failure the bytes are partly written; they are dropped with the array.
            count = width * height * 3
        }
        try result.check(name: name, format: format)
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
