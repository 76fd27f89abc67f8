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
        var px = [UInt8](repeating: 0, count: width * height * 3)
        if fill != (0, 0, 0) {
            for i in stride(from: 0, to: px.count, by: 3) {
                px[i] = fill.r
                px[i + 1] = fill.g
                px[i + 2] = fill.b
            }
        }
        self.pixels = px
    }

    /// Wraps existing pixels; `pixels.count` must be `width * height * 3`.
    package init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "pixel buffer does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
