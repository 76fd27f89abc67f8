/// How large an image thinkedit agrees to decode. Checked against the header, before any pixel
/// memory is allocated, so a hostile or mistaken 50 000 × 50 000 file costs nothing.
package struct ImageLimits: Sendable, Hashable {
    /// The most pixels (width × height) a decoded image may have.
    package var maxPixels: Int

    package init(maxPixels: Int = 64_000_000) {
        self.maxPixels = maxPixels
    }
}

/// The encoded formats thinkedit reads and writes. The raw value is the usual file extension and
/// the MIME subtype.
package enum ImageFormat: String, Sendable, Hashable, CaseIterable {
    case png
    case jpeg

    /// `image/png` or `image/jpeg`.
    package var mimeType: String { "image/\(rawValue)" }

    /// `png` or `jpg`, the extension the image store and the exports use.
    package var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        }
    }

    /// Recognizes a format by its signature bytes (PNG's 8-byte signature, JPEG's SOI marker);
    /// nil for anything else.
    package static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 8, bytes[0..<8].elementsEqual([137, 80, 78, 71, 13, 10, 26, 10]) {
            return .png
        }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return .jpeg
        }
        return nil
    }
}

/// What a file's header says: its format and its size in pixels.
package struct ImageInfo: Sendable, Hashable {
    package let format: ImageFormat
    package let width: Int
    package let height: Int

    package init(format: ImageFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }

    package var pixelCount: Int { width * height }
}
