import ThinkEditCore
/// A deterministic photo-like image: smooth colour gradients, a few soft-edged shapes and sensor-like
/// noise. Benchmarks and tests use it where a flat test card would compress unrealistically well and
/// pure noise unrealistically badly. The same (size, seed, noise) always gives the same pixels.
package enum SyntheticPhoto {
    /// - Parameter noise: the amplitude of the per-channel uniform noise, in levels (0 for none).
    package static func make(width: Int, height: Int, seed: UInt64, noise: Int = 6) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        // Background: two crossing gradients whose colours depend on the seed.
        let c0 = (rng.unit() * 255, rng.unit() * 255, rng.unit() * 255)
        let c1 = (rng.unit() * 255, rng.unit() * 255, rng.unit() * 255)
        let c2 = (rng.unit() * 255, rng.unit() * 255, rng.unit() * 255)
        struct Disc { var cx, cy, r2, edge: Double; var color: (Double, Double, Double) }
        let side = Double(min(width, height))
        var discs: [Disc] = []
        for _ in 0..<6 {
            let r = side * (0.05 + 0.2 * rng.unit())
            discs.append(Disc(cx: rng.unit() * Double(width), cy: rng.unit() * Double(height),
                              r2: r * r, edge: r * 0.15,
                              color: (rng.unit() * 255, rng.unit() * 255, rng.unit() * 255)))
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let invW = 1 / Double(max(width - 1, 1)), invH = 1 / Double(max(height - 1, 1))
        pixels.withUnsafeMutableBufferPointer { px in
            var i = 0
            for y in 0..<height {
                let v = Double(y) * invH
                for x in 0..<width {
                    let u = Double(x) * invW
                    let wave = 0.5 + 0.5 * (u * 6.3 + v * 2.1).sinApprox
                    var r = c0.0 * (1 - u) + c1.0 * u * v + c2.0 * wave * (1 - v)
                    var g = c0.1 * (1 - v) + c1.1 * u + c2.1 * wave * v
                    var b = c0.2 * v + c1.2 * (1 - u) * wave + c2.2 * u * (1 - v)
                    r *= 0.6; g *= 0.6; b *= 0.6
                    for d in discs {
                        let dx = Double(x) - d.cx, dy = Double(y) - d.cy
                        let dist2 = dx * dx + dy * dy
                        if dist2 < d.r2 {
                            // Shaded like a lit sphere, so the inside is a gradient too.
                            let shade = 1 - 0.5 * dist2 / d.r2
                            r = d.color.0 * shade; g = d.color.1 * shade; b = d.color.2 * shade
                        }
                    }
                    if noise > 0 {
                        let n = rng.next()
                        r += Double(Int(n & 0xFF) % (2 * noise + 1) - noise)
                        g += Double(Int((n >> 8) & 0xFF) % (2 * noise + 1) - noise)
                        b += Double(Int((n >> 16) & 0xFF) % (2 * noise + 1) - noise)
                    }
                    px[i] = UInt8(clamping: Int(r.rounded()))
                    px[i + 1] = UInt8(clamping: Int(g.rounded()))
                    px[i + 2] = UInt8(clamping: Int(b.rounded()))
                    i += 3
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

extension Double {
    /// A smooth periodic wave without Foundation: a parabola per half period, close to sine.
    var sinApprox: Double {
        let twoPi = 6.283185307179586
        var t = self - twoPi * (self / twoPi).rounded(.down)  // 0 ..< 2π
        let sign: Double = t < .pi ? 1 : -1
        if t >= .pi { t -= .pi }
        let s = t / .pi  // 0 ..< 1
        return sign * 4 * s * (1 - s)
    }
}
