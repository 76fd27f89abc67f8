import Testing
@testable import ThinkEditCore

@Suite("Water-filling quotas (SPEC §2.6)")
struct WaterFillingTests {
    @Test func everyKeyGetsMinOfSizeAndTheHighestLevelThatFits() {
        // q = 3: 2 + 3 + 3 = 8 <= 9, q = 4 gives 10 > 9; one unit left goes to the first key above 3.
        #expect(WaterFilling.quotas(sizes: [2, 10, 5], target: 9) == [2, 4, 3])
    }

    @Test func remainderGoesOneEachToTheFirstKeysAboveTheLevelInOrder() {
        // q = 2 gives 6, 2 left over: the first two keys, in the order given.
        #expect(WaterFilling.quotas(sizes: [5, 5, 5], target: 8) == [3, 3, 2])
        // A key at the level (size 2 = q) is full and is skipped.
        #expect(WaterFilling.quotas(sizes: [2, 5, 5, 5], target: 9) == [2, 3, 2, 2])
    }

    @Test func everythingFitsMeansQuotasAreTheSizes() {
        #expect(WaterFilling.quotas(sizes: [3, 0, 4], target: 100) == [3, 0, 4])
        #expect(WaterFilling.quotas(sizes: [3, 0, 4], target: 7) == [3, 0, 4])
    }

    @Test func zeroTargetGivesNothing() {
        #expect(WaterFilling.quotas(sizes: [3, 4], target: 0) == [0, 0])
        #expect(WaterFilling.quotas(sizes: [], target: 5) == [])
    }

    @Test func quotasSumToTheTargetOrToAllCandidatesAndNeverExceedASize() {
        let sizes = [1, 7, 0, 12, 3, 9]  // 32 in all
        for target in 0...40 {
            let quotas = WaterFilling.quotas(sizes: sizes, target: target)
            #expect(quotas.reduce(0, +) == min(target, 32))
            #expect(zip(quotas, sizes).allSatisfy { $0 <= $1 })
        }
    }
}

@Suite("Score bins (SPEC §2.6)")
struct ScoreBinningTests {
    @Test func defaultBinIsFloorOfTheScoreClampedToZeroThroughTen() throws {
        let bins = try ScoreBinning()
        #expect(bins.topBin == 10)
        #expect(bins.bin(of: 0) == 0)
        #expect(bins.bin(of: 6.999999) == 6)
        #expect(bins.bin(of: 7) == 7)
        #expect(bins.bin(of: 9.99) == 9)
        #expect(bins.bin(of: 10) == 10)
        #expect(bins.bin(of: 12.5) == 10)
        #expect(bins.bin(of: -1) == 0)
    }

    @Test func binUsesTheScoreRoundedToSixDecimals() throws {
        let bins = try ScoreBinning()
        #expect(bins.bin(of: 6.9999996) == 7)
        #expect(bins.bin(of: 6.9999994) == 6)
    }

    @Test func otherWidthsBinByFloorOfScoreOverWidthExactly() throws {
        let halves = try ScoreBinning(width: 0.5)
        #expect(halves.topBin == 20)
        #expect(halves.bin(of: 7.4) == 14)
        #expect(halves.bin(of: 7.5) == 15)
        #expect(halves.lowerBound(of: 15) == 7.5)
        let tenths = try ScoreBinning(width: 0.1)
        // 0.3 / 0.1 is 2.9999999999999996 in floating point; the bin must still be 3.
        #expect(tenths.bin(of: 0.3) == 3)
        let threes = try ScoreBinning(width: 3)
        #expect(threes.topBin == 3)
        #expect(threes.bin(of: 8.9) == 2)
        #expect(threes.bin(of: 9) == 3)
        #expect(threes.bin(of: 10) == 3)
        let wide = try ScoreBinning(width: 20)
        #expect(wide.topBin == 0)
        #expect(wide.bin(of: 10) == 0)
    }

    @Test func unusableWidthIsAConfigError() {
        for width in [0, -1, 0.0000001, Double.nan, Double.infinity] {
            #expect(throws: CurationError.self) { try ScoreBinning(width: width) }
        }
        let message = CurationError.invalidBinWidth(0).description
        #expect(message.contains("bin_width"))
    }
}
