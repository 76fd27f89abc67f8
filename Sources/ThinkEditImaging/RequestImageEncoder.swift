/// How an image is prepared for a model request.
package struct RequestImagePolicy: Sendable, Hashable {
    /// The most bytes the `data:` URL may take (the request-size limit of the API, per image).
    package var maxDataURLBytes: Int
    /// When set, images larger than this are downscaled before sending, even under the byte budget
    /// (APIs bill or resample by pixels).
    package var maxPixels: Int?
    /// Quality of the JPEG re-encode used when the budget forces one.
    package var jpegQuality: Int

    package init(maxDataURLBytes: Int = 20_000_000, maxPixels: Int? = nil, jpegQuality: Int = 90) {
        self.maxDataURLBytes = maxDataURLBytes
        self.maxPixels = maxPixels
        self.jpegQuality = jpegQuality
    }
}

/// Turns stored image bytes into a `data:` URL that fits a `RequestImagePolicy`.
///
/// Contract: an image within both limits is sent byte-for-byte as stored (its content hash still
/// names what the model saw). Otherwise it is decoded (to `maxPixels` when set) and re-encoded:
/// first in its own format, then as JPEG at `jpegQuality`, then as JPEG at ever smaller sizes (each
/// step aims at the budget from the last size, with a margin) until the URL fits. An image that
/// cannot fit even at a few pixels raises `RequestImageError.cannotFit`.
package enum RequestImageEncoder {
    package static func encode(
        _ bytes: [UInt8], name: String, policy: RequestImagePolicy, limits: ImageLimits = ImageLimits()
    ) throws -> EncodedImage {
        let info = try ImageCodec.info(bytes, name: name, limits: limits)
        let pixelsOK = policy.maxPixels.map { info.pixelCount <= $0 } ?? true
        if pixelsOK && DataURL.length(byteCount: bytes.count, format: info.format) <= policy.maxDataURLBytes {
            return EncodedImage(bytes: bytes, format: info.format, width: info.width, height: info.height)
        }
        var image = try ImageCodec.decode(bytes, name: name, fittingMaxPixels: policy.maxPixels ?? info.pixelCount, limits: limits)
        // The same format first: a PNG that only had to shrink in pixels stays lossless.
        let sameFormat = info.format == .png ? try ImageCodec.encodePNG(image) : try ImageCodec.encodeJPEG(image, quality: policy.jpegQuality)
        if DataURL.length(byteCount: sameFormat.count, format: info.format) <= policy.maxDataURLBytes {
            return EncodedImage(bytes: sameFormat, format: info.format, width: image.width, height: image.height)
        }
        var attempt = info.format == .jpeg ? sameFormat : try ImageCodec.encodeJPEG(image, quality: policy.jpegQuality)
        while DataURL.length(byteCount: attempt.count, format: .jpeg) > policy.maxDataURLBytes {
            let pixels = image.width * image.height
            if pixels <= 16 {
                throw RequestImageError.cannotFit(name: name, budget: policy.maxDataURLBytes,
                                                  smallest: DataURL.length(byteCount: attempt.count, format: .jpeg))
            }
            // JPEG size is roughly proportional to pixel count; aim 10% under the budget.
            let ratio = Double(policy.maxDataURLBytes) / Double(DataURL.length(byteCount: attempt.count, format: .jpeg))
            let target = max(16, min(pixels - 1, Int(Double(pixels) * ratio * 0.9)))
            image = image.resized(maxPixels: target)
            attempt = try ImageCodec.encodeJPEG(image, quality: policy.jpegQuality)
        }
        return EncodedImage(bytes: attempt, format: .jpeg, width: image.width, height: image.height)
    }

    /// `encode(...)` as a `data:` URL.
    package static func dataURL(
        _ bytes: [UInt8], name: String, policy: RequestImagePolicy, limits: ImageLimits = ImageLimits()
    ) throws -> String {
        try encode(bytes, name: name, policy: policy, limits: limits).dataURL
    }
}

/// Why an image could not be prepared for a request.
enum RequestImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Even a tiny JPEG of the image exceeds the byte budget (a budget of a few hundred bytes).
    case cannotFit(name: String, budget: Int, smallest: Int)

    package var description: String {
        switch self {
        case .cannotFit(let name, let budget, let smallest):
            return "\(name): cannot fit a request image in \(budget) bytes (smallest data URL: \(smallest) bytes); raise the request image budget"
        }
    }
}
