extension ImageCodec {
    /// Decode straight to at most `maxPixels`: the size `RGBImage.fittingSize` gives, so the result
    /// has the same size as `decode(...).resized(maxPixels:)`. A JPEG that must shrink by 2× or more
    /// is first decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (libjpeg's scale_denom: fewer
    /// pixels to inverse-transform and to filter), never below the target size; the rest is done by
    /// the resize `filter`. `limits` applies to the full-size header.
    package static func decode(
        _ bytes: [UInt8], name: String, fittingMaxPixels maxPixels: Int, limits: ImageLimits = ImageLimits(),
        background: (UInt8, UInt8, UInt8) = (255, 255, 255), filter: ResizeFilter = .bicubic
    ) throws -> RGBImage {
        guard maxPixels > 0 else {
            throw ImageError.invalidArgument("maxPixels must be positive, not \(maxPixels)")
        }
        switch try checkedFormat(bytes, name: name, limits: limits) {
        case .png:
            let image = try decode(bytes, name: name, limits: limits, background: background)
            return image.resized(maxPixels: maxPixels, filter: filter)
        case .jpeg:
            let full = try jpegHeader(bytes, name: name, scaleDenominator: 1)
            try enforce(limits, on: full.info, name: name)
            let target = RGBImage.fittingSize(width: full.info.width, height: full.info.height, maxPixels: maxPixels)
            let denominator = dctDenominator(width: full.info.width, height: full.info.height, target: target)
            let chosen = denominator == 1 ? full : try jpegHeader(bytes, name: name, scaleDenominator: denominator)
            let image = try decodeJPEG(bytes, name: name, scaleDenominator: denominator,
                                       width: chosen.scaledWidth, height: chosen.scaledHeight)
            return image.resized(width: target.width, height: target.height, filter: filter)
        }
    }

    /// The largest libjpeg scale denominator (8, 4, 2, else 1) whose output is still at least
    /// `target` on both sides; libjpeg rounds scaled sizes up, ceil(size / denominator).
    static func dctDenominator(width: Int, height: Int, target: (width: Int, height: Int)) -> Int {
        for candidate in [8, 4, 2] {
            let w = (width + candidate - 1) / candidate
            let h = (height + candidate - 1) / candidate
            if w >= target.width && h >= target.height { return candidate }
        }
        return 1
    }
}
