import ThinkEditImaging

/// Pixel statistics of an edited image against the source and the wanted target, shared by the
/// expert (to say what went wrong) and the judge (to score it). The intended region `M` is where
/// target and source differ; everything is counted in pixels.
struct PixelComparison: Sendable, Hashable {
    /// |M|: pixels the edit should change.
    var intended = 0
    /// Pixels of M that look like the target.
    var intendedDone = 0
    /// Pixels of M that differ from the source (done right or not).
    var intendedTouched = 0
    /// Pixels outside M that changed to another clean world colour (over-editing, wrong target).
    var offTargetClean = 0
    /// Pixels anywhere whose colour is no world colour (noise, smudges, streaks).
    var dirty = 0
    /// Changed pixels outside M, per source shape (index 0 = backdrop, i + 1 = shape i).
    var changedByLabel: [Int] = []
    /// Pixels per source label, to turn `changedByLabel` into shares.
    var pixelsByLabel: [Int] = []
    /// Sum of x and y of the dirty pixels, to say where the artifacts are.
    var dirtySumX = 0
    var dirtySumY = 0
    var total = 0
    /// Pixels outside M that differ from the source at all.
    var offTargetAll = 0

    /// Share of the intended change that is visible.
    var completion: Double { intended == 0 ? 1 : Double(intendedDone) / Double(intended) }

    /// Clean off-target change relative to the size of the intended change.
    var overEditRatio: Double { Double(offTargetClean) / Double(max(intended, total / 100)) }

    var dirtyFraction: Double { total == 0 ? 0 : Double(dirty) / Double(total) }

    /// The true pixel accuracy the statistics correlate the judge with: over the pixels the target
    /// or the edit changes (M ∪ changed), the share that looks like the target.
    var accuracy: Double {
        let denominator = intended + offTargetAll
        return denominator == 0 ? 1 : Double(intendedDone) / Double(denominator)
    }

    /// Where the dirty pixels lie, as a grid cell; nil when there are none.
    var dirtyCell: Cell? {
        guard dirty > 0, total > 0 else { return nil }
        let side = Int(Double(total).squareRoot())
        let cx = dirtySumX / dirty, cy = dirtySumY / dirty
        return Cell.at(row: min(2, cy * 3 / max(side, 1)), column: min(2, cx * 3 / max(side, 1)))
    }

    /// Compares three rasters of the same size; `labels` comes from rendering the source.
    static func compare(edited: RGBImage, source: RGBImage, target: RGBImage, labels: [UInt8], shapeCount: Int) -> PixelComparison {
        let total = edited.width * edited.height
        precondition(source.pixels.count == total * 3 && target.pixels.count == total * 3 && labels.count >= total,
                     "compared rasters differ in size")
        let width = edited.width
        var changedByLabel = [Int](repeating: 0, count: shapeCount + 1)
        var pixelsByLabel = [Int](repeating: 0, count: shapeCount + 1)
        var dirty = 0, dirtySumX = 0, dirtySumY = 0
        var intended = 0, intendedDone = 0, intendedTouched = 0
        var offTargetAll = 0, offTargetClean = 0
        // Counters live in locals and every buffer is read through a pointer: this loop runs for
        // every pixel of every judged and critiqued image.
        WorldPalette.withTable { clean in
            edited.pixels.withUnsafeBufferPointer { e in
                source.pixels.withUnsafeBufferPointer { s in
                    target.pixels.withUnsafeBufferPointer { t in
                        labels.withUnsafeBufferPointer { l in
                            changedByLabel.withUnsafeMutableBufferPointer { changed in
                                pixelsByLabel.withUnsafeMutableBufferPointer { byLabel in
                                    var x = 0, y = 0
                                    // Neighbours mostly share a label: count runs, so the loop
                                    // does not wait on its own store to the same counter.
                                    var runLabel = Int(l[0]), run = 0
                                    for p in 0..<total {
                                        let i = p * 3
                                        let label = Int(l[p])
                                        if label != runLabel {
                                            byLabel[runLabel] += run
                                            runLabel = label
                                            run = 0
                                        }
                                        run += 1
                                        let (e0, e1, e2) = (e[i], e[i + 1], e[i + 2])
                                        let isClean = clean[WorldPalette.index(e0, e1, e2)]
                                        if !isClean {
                                            dirty += 1
                                            dirtySumX += x
                                            dirtySumY += y
                                        }
                                        // Most pixels are the same in all three images; only
                                        // the others can count below.
                                        let same = e0 == s[i] && e1 == s[i + 1] && e2 == s[i + 2]
                                            && e0 == t[i] && e1 == t[i + 1] && e2 == t[i + 2]
                                        if !same {
                                            let likeTarget = near(e, t, i)
                                            if !near(s, t, i) {
                                                intended += 1
                                                if likeTarget { intendedDone += 1 }
                                                if !near(e, s, i) { intendedTouched += 1 }
                                            } else if !likeTarget {
                                                offTargetAll += 1
                                                changed[label] += 1
                                                if isClean { offTargetClean += 1 }
                                            }
                                        }
                                        x += 1
                                        if x == width { x = 0; y += 1 }
                                    }
                                    byLabel[runLabel] += run
                                }
                            }
                        }
                    }
                }
            }
        }
        var result = PixelComparison()
        result.total = total
        result.changedByLabel = changedByLabel
        result.pixelsByLabel = pixelsByLabel
        result.dirty = dirty
        result.dirtySumX = dirtySumX
        result.dirtySumY = dirtySumY
        result.intended = intended
        result.intendedDone = intendedDone
        result.intendedTouched = intendedTouched
        result.offTargetAll = offTargetAll
        result.offTargetClean = offTargetClean
        return result
    }

    /// Two colours are the same when no channel differs by more than 40 (JPEG-safe for flat areas).
    @inline(__always)
    static func near(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        abs(Int(a[i]) - Int(b[i])) <= 40 && abs(Int(a[i + 1]) - Int(b[i + 1])) <= 40 && abs(Int(a[i + 2]) - Int(b[i + 2])) <= 40
    }

    /// Counts the pixels of an image alone that are no world colour (the quality judge's view).
    static func dirtyPixels(of image: RGBImage) -> Int {
        var count = 0
        WorldPalette.withTable { clean in
            image.pixels.withUnsafeBufferPointer { px in
                for i in stride(from: 0, to: px.count, by: 3) where !clean[WorldPalette.index(px[i], px[i + 1], px[i + 2])] {
                    count += 1
                }
            }
        }
        return count
    }
}

/// Every colour the synthetic world draws with, as a lookup table over 5-bit-per-channel buckets:
/// a pixel is "clean" when it lies within about 20 levels of a shape colour or a backdrop.
enum WorldPalette {
    static let colors: [(UInt8, UInt8, UInt8)] = ShapeColor.allCases.map(\.rgb) + Backdrop.allCases.map(\.rgb)

    private static let table: [Bool] = {
        var table = [Bool](repeating: false, count: 32 * 32 * 32)
        for r in 0..<32 {
            for g in 0..<32 {
                for b in 0..<32 {
                    let (cr, cg, cb) = (r * 8 + 4, g * 8 + 4, b * 8 + 4)
                    table[(r << 10) | (g << 5) | b] = colors.contains { c in
                        abs(Int(c.0) - cr) <= 20 && abs(Int(c.1) - cg) <= 20 && abs(Int(c.2) - cb) <= 20
                    }
                }
            }
        }
        return table
    }()

    /// The table's slot for a colour.
    @inline(__always)
    static func index(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        (Int(r >> 3) << 10) | (Int(g >> 3) << 5) | Int(b >> 3)
    }

    /// The table as a buffer, for loops over every pixel of an image.
    static func withTable<R>(_ body: (UnsafeBufferPointer<Bool>) throws -> R) rethrows -> R {
        try table.withUnsafeBufferPointer(body)
    }
}
