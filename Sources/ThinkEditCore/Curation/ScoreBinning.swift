/// Score bins for balancing (SPEC §2.6): bin = floor(O / w) clamped to 0...floor(10 / w), where `O`
/// is an overall score rounded to 6 decimals and `w` is `bin_width` (default 1).
///
/// With the default width the bins are 0, 1, ..., 10 and bin 10 holds only a perfect 10. Any other
/// width means bins `[i·w, (i+1)·w)`, numbered from 0 by their lower edge; the top bin also takes
/// everything above it (a given overall above 10 from an import) and bin 0 takes anything below 0.
/// When `w` divides 10 (0.5, 2, 2.5, 5) the top bin again holds only a perfect 10; when it does not
/// (3, 4) the top bin is the partial one that ends at 10. A width above 10 puts every score in bin 0,
/// which turns score balancing off.
///
/// The division is exact: scores and the width are both taken in millionths (integers), so a width
/// of 0.1 puts 0.3 in bin 3, not in bin 2 as floating-point `0.3 / 0.1` would.
package struct ScoreBinning: Sendable, Hashable {
    /// `bin_width` as given.
    package let width: Double
    /// The width in millionths.
    let widthMicros: Int64
    /// The highest bin number: floor(10 / w).
    package let topBin: Int

    /// Fails with `CurationError.invalidBinWidth` unless `width` is finite and at least 0.000001.
    package init(width: Double = 1) throws {
        guard width.isFinite, width < 1e9 else { throw CurationError.invalidBinWidth(width) }
        let micros = Int64((width * 1_000_000).rounded(.toNearestOrAwayFromZero))
        guard micros >= 1 else { throw CurationError.invalidBinWidth(width) }
        self.width = width
        self.widthMicros = micros
        self.topBin = Int(10_000_000 / micros)
    }

    /// The bin of an overall score, after rounding it to 6 decimals. NaN falls in bin 0.
    package func bin(of overall: Double) -> Int {
        bin(ofMicros: ScoreBinning.micros(overall))
    }

    func bin(ofMicros micros: Int64) -> Int {
        if micros <= 0 { return 0 }
        return Int(min(Int64(topBin), micros / widthMicros))
    }

    /// The smallest score of a bin (`bin · w`), the label a report puts on it.
    package func lowerBound(of bin: Int) -> Double {
        JSONNumber.round6(Double(Int64(bin) * widthMicros) / 1_000_000)
    }

    /// `round6(x)` as an integer count of millionths, clamped to ±10^18 so that imported nonsense
    /// cannot trap; NaN counts as 0. Two scores compare the same way as their `round6` values.
    static func micros(_ x: Double) -> Int64 {
        guard !x.isNaN else { return 0 }
        let scaled = (x * 1_000_000).rounded(.toNearestOrAwayFromZero)
        return Int64(max(-1e18, min(1e18, scaled)))
    }
}
