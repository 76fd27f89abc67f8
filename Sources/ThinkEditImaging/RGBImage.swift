/// A decoded image: 8-bit RGB, row-major, no padding, `pixels.count == width * height * 3`.
/// Every decoder produces it and every encoder takes it, whatever the file held (gray, palette,
/// alpha, 16-bit, CMYK are converted on the way in).
package struct RGBImage: Sendable, Hashable {
    package let width: Int
    package let height: Int
    package var pixels: [UInt8]

    /// An image filled with one colour.
    package init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8) = (0, 0, 0)) {
        precondition(width > 0 && height > 0, "an image has at least one pixel")
        self.width = width
        self.height = height
        if fill.r == fill.g && fill.g == fill.b {
            self.pixels = [UInt8](repeating: fill.r, count: width * height * 3)
            return
        }
        // One pixel, then doubling copies: a few memcpy calls instead of a store per byte.
        let count = width * height * 3
        self.pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = buffer.baseAddress!
            base[0] = fill.r
            base[1] = fill.g
            base[2] = fill.b
            var filled = 3
            while filled < count {
                let chunk = min(filled, count - filled)
                (base + filled).initialize(from: base, count: chunk)
                filled += chunk
            }
            initialized = count
        }
    }

    /// Wraps existing pixels; `pixels.count` must be `width * height * 3`.
    package init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "pixel buffer does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
