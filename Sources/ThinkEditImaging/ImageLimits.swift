import ThinkEditCore

/// How large an image thinkedit agrees to decode. Checked against the header, before any pixel
/// memory is allocated, so a hostile or mistaken 50 000 × 50 000 file costs nothing.
package struct ImageLimits: Sendable, Hashable {
    /// The most pixels (width × height) a decoded image may have.
    package var maxPixels: Int

    package init(maxPixels: Int = 64_000_000) {
        self.maxPixels = maxPixels
    }
}

/// What a file's header says: its format and its size in pixels.
package struct ImageInfo: Sendable, Hashable {
    package let format: ImageFormat
    package let width: Int
    package let height: Int

    init(format: ImageFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }

    package var pixelCount: Int { width * height }
}
