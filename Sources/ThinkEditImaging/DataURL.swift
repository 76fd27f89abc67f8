import Foundation
import ThinkEditCore

/// `data:` URLs, the way images travel inside JSON model requests (OpenAI-style `image_url`).
package enum DataURL {
    /// `data:image/png;base64,...` or `data:image/jpeg;base64,...` for the bytes as they are.
    package static func make(_ bytes: [UInt8], format: ImageFormat) -> String {
        prefix(format) + Base64.encode(bytes)
    }

    /// The length in bytes of `make(bytes, format:)` for `byteCount` bytes, without building it.
    package static func length(byteCount: Int, format: ImageFormat) -> Int {
        prefix(format).utf8.count + (byteCount + 2) / 3 * 4
    }

    /// Splits a data URL made by `make` back into its format and bytes; nil for anything else.
    package static func parse(_ url: String) -> (format: ImageFormat, bytes: [UInt8])? {
        for format in ImageFormat.allCases where url.hasPrefix(prefix(format)) {
            guard let data = Data(base64Encoded: String(url.dropFirst(prefix(format).count))) else { return nil }
            return (format, [UInt8](data))
        }
        return nil
    }

    package static func prefix(_ format: ImageFormat) -> String { "data:\(format.mimeType);base64," }
}

/// An image as encoded bytes plus what is known about them; the unit the store and the request
/// encoder pass around.
package struct EncodedImage: Sendable, Hashable {
    package let bytes: [UInt8]
    package let format: ImageFormat
    package let width: Int
    package let height: Int

    init(bytes: [UInt8], format: ImageFormat, width: Int, height: Int) {
        self.bytes = bytes
        self.format = format
        self.width = width
        self.height = height
    }

    /// SHA-256 of the encoded bytes, lowercase hex: the image's name in the content-addressed store.
    var contentHash: String { ContentHash.sha256Hex(bytes) }

    package var dataURL: String { DataURL.make(bytes, format: format) }
}

extension ImageCodec {
    /// SHA-256 of the encoded bytes (not of the pixels: two encodings of one raster differ).
    static func contentHash(_ bytes: [UInt8]) -> String {
        ContentHash.sha256Hex(bytes)
    }
}
