import Foundation

/// The kernel of a separable resampling filter. Downscaling widens the kernel by the scale factor,
/// so every source pixel contributes (antialiasing); upscaling uses it as is (interpolation).
package enum ResizeFilter: String, Sendable, Hashable, CaseIterable {
    /// Area averaging: each output pixel is the mean of the source pixels it covers.
    case box
    /// Linear ("bilinear" with antialiasing), support 1.
    case triangle
    /// Cubic convolution with a = -0.5 (Catmull–Rom / Keys), support 2. Sharp, little ringing.
    case bicubic
    /// Windowed sinc, 3 lobes, support 3. Sharpest, slowest.
    case lanczos3

    /// Half-width of the kernel at scale 1, in source pixels.
    var support: Double {
        switch self {
        case .box: 0.5
        case .triangle: 1
        case .bicubic: 2
        case .lanczos3: 3
        }
    }

    func weight(_ x: Double) -> Double {
        let t = abs(x)
        switch self {
        case .box:
            return x >= -0.5 && x < 0.5 ? 1 : 0
        case .triangle:
            return t < 1 ? 1 - t : 0
        case .bicubic:
            let a = -0.5
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
            return 0
        case .lanczos3:
            if t >= 3 { return 0 }
            return sinc(t) * sinc(t / 3)
        }
    }

    private func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let px = Double.pi * x
        return sin(px) / px
    }
}

extension RGBImage {
    /// The size an image of `width` × `height` takes to fit in `maxPixels`: unchanged when it already
    /// fits (never upscaled); otherwise the largest size with `w * h <= maxPixels` whose shorter side
    /// is within one pixel of the exact aspect ratio given the longer side. Both sides stay >= 1 (a
    /// 1-pixel-high strip keeps its height even when that overshoots a tiny budget).
    package static func fittingSize(width: Int, height: Int, maxPixels: Int) -> (width: Int, height: Int) {
        precondition(width > 0 && height > 0 && maxPixels > 0, "sizes and budget must be positive")
        if width * height <= maxPixels { return (width, height) }
        let landscape = width >= height
        let long = landscape ? width : height, short = landscape ? height : width
        let scale = (Double(maxPixels) / (Double(width) * Double(height))).squareRoot()
        var newLong = max(1, Int((Double(long) * scale).rounded(.down)))
        var newShort = 1
        while true {
            newShort = max(1, Int((Double(short) * Double(newLong) / Double(long)).rounded()))
            if newLong * newShort <= maxPixels || newLong == 1 { break }
            newLong = max(1, min(newLong - 1, maxPixels / newShort))
        }
        return landscape ? (newLong, newShort) : (newShort, newLong)
    }

    /// This image scaled down to fit in `maxPixels` (see `fittingSize`), aspect kept, with the
    /// antialiasing `filter`. Returns `self` when it already fits.
    package func resized(maxPixels: Int, filter: ResizeFilter = .bicubic) -> RGBImage {
        let size = Self.fittingSize(width: width, height: height, maxPixels: maxPixels)
        if size == (width, height) { return self }
        return resized(width: size.width, height: size.height, filter: filter)
    }

    /// This image resampled to exactly `width` × `height` with a separable `filter`. Weights are
    /// 14-bit fixed point, rows first in the vertical direction (contiguous, vectorizable) on the
    /// full source width, then horizontally on the already shortened set of rows.
    package func resized(width newWidth: Int, height newHeight: Int, filter: ResizeFilter = .bicubic) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "an image has at least one pixel")
        if newWidth == width && newHeight == height { return self }
        let vertical = ResampleWeights(source: height, target: newHeight, filter: filter)
        let horizontal = ResampleWeights(source: width, target: newWidth, filter: filter)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        let srcStride = width * 3, dstStride = newWidth * 3
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let rowBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: srcStride)
                let accumulator = UnsafeMutablePointer<Int32>.allocate(capacity: srcStride)
                defer {
                    rowBuffer.deallocate()
                    accumulator.deallocate()
                }
                let source = src.baseAddress!
                for y in 0..<newHeight {
                    // Vertical pass for output row y, on the full source width.
                    let row: UnsafePointer<UInt8>
                    if newHeight == height {
                        row = source + y * srcStride
                    } else {
                        vertical.apply(at: y, rowsOf: source, stride: srcStride, count: srcStride,
                                       accumulator: accumulator, into: rowBuffer)
                        row = UnsafePointer(rowBuffer)
                    }
                    let target = dst.baseAddress! + y * dstStride
                    if newWidth == width {
                        target.update(from: row, count: dstStride)
                    } else {
                        horizontal.applyAlongRow(row, into: target)
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: out)
    }
}

/// Precomputed fixed-point weights mapping `source` samples onto `target` samples along one axis.
struct ResampleWeights {
    static let precision: Int32 = 14
    static let rounding: Int32 = 1 << (precision - 1)

    let starts: [Int]
    let counts: [Int]
    /// `taps` weights per target sample, zero-padded.
    let weights: [Int32]
    let taps: Int

    init(source: Int, target: Int, filter: ResizeFilter) {
        let scale = Double(source) / Double(target)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var starts = [Int](repeating: 0, count: target)
        var counts = [Int](repeating: 0, count: target)
        var weights = [Int32](repeating: 0, count: target * taps)
        var raw = [Double](repeating: 0, count: taps)
        for i in 0..<target {
            let center = (Double(i) + 0.5) * scale
            let first = max(0, Int((center - support + 0.5).rounded(.down)))
            let last = min(source, Int((center + support + 0.5).rounded(.down)))
            var n = min(last - first, taps)
            var total = 0.0
            for k in 0..<n {
                let w = filter.weight((Double(first + k) - center + 0.5) / filterScale)
                raw[k] = w
                total += w
            }
            if total == 0 {  // cannot happen for these kernels; keep the nearest sample anyway
                raw[0] = 1
                total = 1
                n = max(n, 1)
            }
            // Fixed point, with the rounding error pushed into the largest weight so each row of
            // weights sums to exactly 1 << precision (flat areas stay exactly flat).
            var sum: Int32 = 0
            var largest = 0
            for k in 0..<n {
                let q = Int32((raw[k] / total * Double(1 << Self.precision)).rounded())
                weights[i * taps + k] = q
                sum += q
                if abs(q) > abs(weights[i * taps + largest]) { largest = k }
            }
            weights[i * taps + largest] += (1 << Self.precision) - sum
            starts[i] = first
            counts[i] = n
        }
        self.starts = starts
        self.counts = counts
        self.weights = weights
        self.taps = taps
    }

    /// One output row: the weighted sum of source rows starts[y] ..< starts[y] + counts[y], over
    /// `count` bytes of each.
    func apply(at y: Int, rowsOf source: UnsafePointer<UInt8>, stride: Int, count: Int,
               accumulator acc: UnsafeMutablePointer<Int32>, into out: UnsafeMutablePointer<UInt8>) {
        acc.initialize(repeating: Self.rounding, count: count)
        let first = starts[y]
        weights.withUnsafeBufferPointer { w in
            for k in 0..<counts[y] {
                let weight = w[y * taps + k]
                let row = source + (first + k) * stride
                for i in 0..<count {
                    acc[i] &+= weight &* Int32(truncatingIfNeeded: row[i])
                }
            }
        }
        for i in 0..<count {
            out[i] = Self.clamp(acc[i])
        }
    }

    /// One row of RGB pixels resampled horizontally.
    func applyAlongRow(_ row: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) {
        weights.withUnsafeBufferPointer { w in
            starts.withUnsafeBufferPointer { starts in
                counts.withUnsafeBufferPointer { counts in
                    for x in 0..<starts.count {
                        var r = Self.rounding, g = Self.rounding, b = Self.rounding
                        var p = row + starts[x] * 3
                        var wp = w.baseAddress! + x * taps
                        for _ in 0..<counts[x] {
                            let weight = wp.pointee
                            r &+= weight &* Int32(truncatingIfNeeded: p[0])
                            g &+= weight &* Int32(truncatingIfNeeded: p[1])
                            b &+= weight &* Int32(truncatingIfNeeded: p[2])
                            p += 3
                            wp += 1
                        }
                        out[x * 3] = Self.clamp(r)
                        out[x * 3 + 1] = Self.clamp(g)
                        out[x * 3 + 2] = Self.clamp(b)
                    }
                }
            }
        }
    }

    @inline(__always)
    static func clamp(_ v: Int32) -> UInt8 {
        UInt8(clamping: v >> precision)
    }
}
