import ThinkEditImaging

/// The judge's formulas as pure functions (SPEC §2.3, VIEScore-style, integers 0–10).
///
/// Semantic, from the edit against the ground-truth target and the source:
/// - success = round(10 · c), c = share of the intended region M that looks like the target;
/// - over-editing = round(10 − 5 · min(2, r)), r = clean off-target changed pixels / max(|M|, 1% of the image):
///   one extra shape as large as the wanted change costs 5 points, twice that costs all 10.
/// Quality, from the edited image alone, with a = share of pixels that are no world colour:
/// - naturalness = round(9.4 − 22 · √a), artifacts = round(10 − 34 · √a).
/// Each number then moves by one point with probability `jitter` (seeded), as a real judge wavers.
struct JudgeSimulation: Sendable {
    var jitter = 0.15

    func semantic(edited: RGBImage, truth: SyntheticTruth, rng: inout SeededRandom) -> (success: Int, overEditing: Int, reasoning: String, comparison: PixelComparison) {
        let comparison = Self.compare(edited: edited, truth: truth)
        let success = waver(Int((10 * comparison.completion).rounded()), rng: &rng)
        let overEditing = waver(Int((10 - 5 * min(2, comparison.overEditRatio)).rounded()), rng: &rng)
        let done = Int((comparison.completion * 100).rounded())
        let spill = Int((comparison.overEditRatio * 100).rounded())
        var reasoning = "About \(done)% of the requested change is present in the edit."
        reasoning += spill == 0
            ? " Nothing outside the requested change was altered."
            : " Changes outside the request amount to about \(spill)% of the size of the requested change."
        return (success, overEditing, reasoning, comparison)
    }

    func quality(edited: RGBImage, rng: inout SeededRandom) -> (naturalness: Int, artifacts: Int, reasoning: String) {
        let dirty = Double(PixelComparison.dirtyPixels(of: edited)) / Double(edited.width * edited.height)
        let root = dirty.squareRoot()
        let naturalness = waver(Int((9.4 - 22 * root).rounded()), rng: &rng)
        let artifacts = waver(Int((10 - 34 * root).rounded()), rng: &rng)
        let share = (dirty * 1000).rounded() / 10
        let reasoning = dirty == 0
            ? "Flat, clean colours and sharp edges; no visible artifacts."
            : "Noise, smudges or streaks cover about \(share)% of the image."
        return (naturalness, artifacts, reasoning)
    }

    static func compare(edited: RGBImage, truth: SyntheticTruth) -> PixelComparison {
        let (source, labels) = truth.scene.renderWithLabels(size: truth.size)
        let target = truth.targetScene.render(size: truth.size)
        return PixelComparison.compare(edited: edited, source: source, target: target, labels: labels, shapeCount: truth.scene.shapes.count)
    }

    private func waver(_ value: Int, rng: inout SeededRandom) -> Int {
        var v = max(0, min(10, value))
        if rng.chance(jitter) { v += rng.chance(0.5) ? 1 : -1 }
        return max(0, min(10, v))
    }
}
