import Foundation
import ThinkEditCore
import ThinkEditImaging

/// How images cross the wire: base64 in JSON bodies, `data:` URLs in chat messages.
package enum ImageWire {
    /// The media type of encoded image bytes, from their magic numbers.
    static func mediaType(_ bytes: [UInt8]) -> String {
        ImageFormat.sniff(bytes)?.mimeType ?? "application/octet-stream"
    }

    package static func base64(_ bytes: [UInt8]) -> String {
        Base64.encode(bytes)
    }

    /// `data:image/png;base64,...` for a chat message's `image_url`: the stored bytes as they are,
    /// or downscaled and re-encoded by `RequestImageEncoder` when they would exceed `policy`.
    package static func dataURL(_ bytes: [UInt8], policy: RequestImagePolicy = RequestImagePolicy()) -> String {
        CPUMeter.measure(.imagesIntoRequests) { dataURLUnmetered(bytes, policy: policy) }
    }

    private static func dataURLUnmetered(_ bytes: [UInt8], policy: RequestImagePolicy) -> String {
        if let url = try? RequestImageEncoder.dataURL(bytes, name: "request image", policy: policy) { return url }
        return "data:\(mediaType(bytes));base64,\(base64(bytes))"
    }

    /// The format of an image `dataURL` sends byte for byte as stored (within the default request
    /// image policy); nil when it would be re-encoded, or is not an image.
    static func sentAsStored(_ bytes: [UInt8], policy: RequestImagePolicy = RequestImagePolicy()) -> ImageFormat? {
        guard let info = try? ImageCodec.info(bytes, name: "request image"),
              policy.maxPixels.map({ info.pixelCount <= $0 }) ?? true,
              DataURL.length(byteCount: bytes.count, format: info.format) <= policy.maxDataURLBytes else { return nil }
        return info.format
    }

    /// The bytes of a base64 text (a bare string or a `data:` URL); nil when it is not base64.
    /// Standard base64 in one line is decoded straight from the text; anything looser (line breaks
    /// every 76 characters, say) goes through Foundation, which skips what is not base64.
    package static func decode(_ text: String) -> [UInt8]? {
        var body = Substring(text)
        if body.hasPrefix("data:"), let comma = body.firstIndex(of: ",") { body = body[body.index(after: comma)...] }
        if let bytes = body.utf8.withContiguousStorageIfAvailable({ Base64.decodeStrict($0) }) ?? nil {
            return bytes.isEmpty ? nil : bytes
        }
        guard let data = Data(base64Encoded: String(body), options: .ignoreUnknownCharacters), !data.isEmpty else { return nil }
        return [UInt8](data)
    }

    /// The edited image an editor sent as base64 in `field` of its answer from `url`. Text that is
    /// not base64, or bytes that are no PNG or JPEG, are a malformed answer (class `parse`, retried
    /// by the driver) rather than a trajectory failing later at the stage's full image check.
    static func editedImage(_ text: String, field: String, from url: String, backend: String) throws -> [UInt8] {
        guard let image = decode(text) else {
            throw BackendError(.parse, backend: backend, "\(url) sent \(field) that is not base64")
        }
        do {
            _ = try ImageCodec.info(image, name: "the edited image from \(url)")
        } catch {
            throw BackendError(.parse, backend: backend, "\(url) sent \(field) that is not a PNG or JPEG image (\(error))")
        }
        return image
    }
}
