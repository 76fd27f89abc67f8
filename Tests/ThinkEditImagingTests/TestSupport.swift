import Foundation
@testable import ThinkEditImaging

/// Peak signal-to-noise ratio over all channels, in dB (infinity for identical images).
func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
    precondition(a.width == b.width && a.height == b.height)
    var sum = 0.0
    for i in a.pixels.indices {
        let d = Double(a.pixels[i]) - Double(b.pixels[i])
        sum += d * d
    }
    if sum == 0 { return .infinity }
    let mse = sum / Double(a.pixels.count)
    return 10 * log10(255 * 255 / mse)
}

/// The committed fixtures, written by scripts/make_imaging_fixtures.py.
func fixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
    return [UInt8](try Data(contentsOf: url))
}

/// The pattern every fixture draws: r = 8x, g = 10y, b = 4(x+y), on 32×24.
enum FixturePattern {
    static let width = 32, height = 24

    static func rgb(_ x: Int, _ y: Int) -> (Int, Int, Int) { (8 * x, 10 * y, 4 * (x + y)) }
    static func alpha(_ x: Int, _ y: Int) -> Int { (x * 8 + y) % 256 }

    static func image(_ pixel: (Int, Int) -> (Int, Int, Int)) -> RGBImage {
        var px: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let (r, g, b) = pixel(x, y)
                px += [UInt8(r), UInt8(g), UInt8(b)]
            }
        }
        return RGBImage(width: width, height: height, pixels: px)
    }

    static func composite(_ c: Int, _ a: Int, over bg: Int) -> Int { (c * a + bg * (255 - a) + 127) / 255 }
}

func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
    let i = (y * image.width + x) * 3
    return Array(image.pixels[i..<i + 3])
}
