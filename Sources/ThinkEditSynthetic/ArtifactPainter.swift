import ThinkEditImaging

/// Raster damage an editor may do: partial application of a change and painted artifacts.
enum ArtifactPainter {
    /// Keeps the edit only on one side of a cut through the changed region's bounding box and
    /// restores the source elsewhere. False when the edit changed nothing. The share restored is
    /// 30–70 % of the box at `severity` 1, that share times `severity` otherwise.
    static func keepPart(of image: inout RGBImage, over source: RGBImage, severity: Double = 1, rng: inout SeededRandom) -> Bool {
        let w = image.width, h = image.height
        var (x0, y0, x1, y1) = (w, h, -1, -1)
        image.pixels.withUnsafeBufferPointer { e in
            source.pixels.withUnsafeBufferPointer { s in
                for y in 0..<h {
                    for x in 0..<w {
                        let i = (y * w + x) * 3
                        if e[i] != s[i] || e[i + 1] != s[i + 1] || e[i + 2] != s[i + 2] {
                            x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
                        }
                    }
                }
            }
        }
        guard x1 >= x0 else { return false }
        var fraction = 0.3 + 0.4 * rng.unit()
        let direction = rng.below(4)
        // Directions 0 and 2 keep the part before the cut, 1 and 3 the part after it; the share
        // left out shrinks with the severity either way (and is exactly as drawn at 1).
        fraction = direction % 2 == 0 ? 1 - severity * (1 - fraction) : severity * fraction
        let cutX = x0 + Int(Double(x1 - x0 + 1) * fraction)
        let cutY = y0 + Int(Double(y1 - y0 + 1) * fraction)
        for y in y0...y1 {
            for x in x0...x1 {
                let keep: Bool
                switch direction {
                case 0: keep = y < cutY
                case 1: keep = y >= cutY
                case 2: keep = x < cutX
                default: keep = x >= cutX
                }
                if !keep {
                    let i = (y * w + x) * 3
                    image.pixels[i] = source.pixels[i]
                    image.pixels[i + 1] = source.pixels[i + 1]
                    image.pixels[i + 2] = source.pixels[i + 2]
                }
            }
        }
        return true
    }

    /// Copies into `image` every pixel where `after` differs from `before`.
    static func overlay(changesFrom before: RGBImage, to after: RGBImage, onto image: inout RGBImage) {
        for i in stride(from: 0, to: image.pixels.count, by: 3)
        where before.pixels[i] != after.pixels[i] || before.pixels[i + 1] != after.pixels[i + 1] || before.pixels[i + 2] != after.pixels[i + 2] {
            image.pixels[i] = after.pixels[i]
            image.pixels[i + 1] = after.pixels[i + 1]
            image.pixels[i + 2] = after.pixels[i + 2]
        }
    }

    /// One to three patches of noise, smudge or streaks, sized relative to the image; `severity`
    /// scales their sides (1: as drawn, 0.5: a quarter of the area).
    static func paint(on image: inout RGBImage, severity: Double = 1, rng: inout SeededRandom) {
        let patches = 1 + rng.weighted([0.5, 0.35, 0.15])
        for _ in 0..<patches {
            switch rng.below(3) {
            case 0: noise(&image, scale: severity, rng: &rng)
            case 1: smudge(&image, scale: severity, rng: &rng)
            default: streaks(&image, scale: severity, rng: &rng)
            }
        }
    }

    private static func clamp(_ v: Int) -> UInt8 { UInt8(max(0, min(255, v))) }

    private static func noise(_ image: inout RGBImage, scale: Double, rng: inout SeededRandom) {
        let side = image.width
        let pw = max(2, Int(Double(side) * (0.05 + 0.09 * rng.unit()) * scale))
        let ph = max(2, Int(Double(side) * (0.05 + 0.09 * rng.unit()) * scale))
        let x0 = rng.below(max(1, side - pw)), y0 = rng.below(max(1, image.height - ph))
        for y in y0..<min(image.height, y0 + ph) {
            for x in x0..<min(side, x0 + pw) {
                let i = (y * side + x) * 3
                for c in 0..<3 {
                    image.pixels[i + c] = clamp(Int(image.pixels[i + c]) + Int(rng.below(181)) - 90)
                }
            }
        }
    }

    private static func smudge(_ image: inout RGBImage, scale: Double, rng: inout SeededRandom) {
        let side = image.width
        let radius = max(2, Int(Double(side) * (0.035 + 0.05 * rng.unit()) * scale))
        let cx = rng.below(side), cy = rng.below(image.height)
        let tint = (Int(rng.below(256)), Int(rng.below(256)), Int(rng.below(256)))
        for y in max(0, cy - radius)..<min(image.height, cy + radius) {
            for x in max(0, cx - radius)..<min(side, cx + radius) {
                let dx = x - cx, dy = y - cy
                guard dx * dx + dy * dy <= radius * radius else { continue }
                let i = (y * side + x) * 3
                image.pixels[i] = clamp((Int(image.pixels[i]) + tint.0) / 2)
                image.pixels[i + 1] = clamp((Int(image.pixels[i + 1]) + tint.1) / 2)
                image.pixels[i + 2] = clamp((Int(image.pixels[i + 2]) + tint.2) / 2)
            }
        }
    }

    private static func streaks(_ image: inout RGBImage, scale: Double, rng: inout SeededRandom) {
        let side = image.width
        let length = max(4, Int(Double(side) * (0.2 + 0.25 * rng.unit()) * scale))
        let thickness = max(1, side / 128)
        let x0 = rng.below(max(1, side - length))
        let y0 = rng.below(max(1, image.height - 12 * thickness))
        let shift = rng.chance(0.5) ? 70 : -70
        for line in 0..<3 {
            for y in (y0 + line * 4 * thickness)..<min(image.height, y0 + line * 4 * thickness + thickness) {
                for x in x0..<min(side, x0 + length) {
                    let i = (y * side + x) * 3
                    image.pixels[i] = clamp(Int(image.pixels[i]) + shift)
                    image.pixels[i + 1] = clamp(Int(image.pixels[i + 1]) + shift / 2)
                    image.pixels[i + 2] = clamp(Int(image.pixels[i + 2]) - shift / 3)
                }
            }
        }
    }
}
