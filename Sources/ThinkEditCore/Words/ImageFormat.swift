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
