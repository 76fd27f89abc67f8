import ThinkEditCore

/// Why an image could not be read or written. Every reading case names the file (or whatever the
/// caller called the bytes), so a message in a log of a 100k-image import points at the culprit.
package enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Zero bytes.
    case empty(name: String)
    /// The bytes are neither PNG nor JPEG.
    case notAnImage(name: String)
    /// The data ends before the image does.
    case truncated(name: String, detail: String)
    /// The data is damaged or not a valid stream of its format.
    case corrupt(name: String, format: ImageFormat, detail: String)
    /// A valid file of a kind this module does not decode (e.g. a 2-channel JPEG).
    case unsupported(name: String, format: ImageFormat, detail: String)
    /// The header announces more pixels than `ImageLimits.maxPixels` allows.
    case tooLarge(name: String, width: Int, height: Int, limit: Int)
    /// An encoder argument is out of range (JPEG quality, zlib level).
    case invalidArgument(String)
    /// The system ran out of memory, or a codec failed while writing.
    case codecFailure(name: String, detail: String)

    package var description: String {
        switch self {
        case .empty(let name):
            return "\(name): the file is empty (0 bytes); re-copy or re-export the image"
        case .notAnImage(let name):
            return "\(name): not a PNG or JPEG file (unknown signature); convert it to PNG or JPEG"
        case .truncated(let name, let detail):
            return "\(name): the image is truncated (\(detail)); the file was cut short, re-download or re-export it"
        case .corrupt(let name, let format, let detail):
            return "\(name): corrupt \(format.rawValue.uppercased()) data (\(detail)); re-export the image or drop it from the pool"
        case .unsupported(let name, let format, let detail):
            return "\(name): unsupported \(format.rawValue.uppercased()) variant (\(detail)); convert it to 8-bit RGB PNG or JPEG"
        case .tooLarge(let name, let width, let height, let limit):
            return "\(name): \(width)×\(height) = \(width * height) pixels exceeds the limit of \(limit) pixels; downscale it first or raise the limit"
        case .invalidArgument(let detail):
            return "invalid image codec argument: \(detail)"
        case .codecFailure(let name, let detail):
            return "\(name): image codec failure (\(detail))"
        }
    }
}
