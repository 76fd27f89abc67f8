import Testing
@testable import ThinkEditSynthetic

/// The bounds the synthetic world must meet (the "must show"); `thinkedit bench synthetic`
/// checks them on 2,000 trajectories, this test on fewer so a debug build stays quick.
@Suite("Synthetic world statistics")
struct StatisticsTests {
    @Test func theWorldBehavesLikeARealOneWithinTheAgreedBounds() async throws {
        let stats = try await SyntheticWorldStatistics.run(count: 300, seed: 7, maxTurns: 5, imageSize: 64)
        #expect(stats.firstTurnMean >= 4 && stats.firstTurnMean <= 7, "first-turn mean \(stats.firstTurnMean)")
        #expect(stats.firstTurnStdDev > 1.5)
        #expect(stats.improvedShare >= 0.4 && stats.improvedShare <= 0.8, "improved share \(stats.improvedShare)")
        let vague = try #require(stats.firstTurnFailureRate[.vague])
        let precise = try #require(stats.firstTurnFailureRate[.precise])
        #expect(vague > precise)
        #expect(stats.meanScoreByTurn[1] > stats.meanScoreByTurn[0])
        for t in 1..<stats.meanScoreByTurn.count { #expect(stats.meanScoreByTurn[t] >= stats.meanScoreByTurn[t - 1]) }
        #expect(stats.spearman >= 0.8, "spearman \(stats.spearman)")
        #expect(stats.turns >= 300 && stats.reachedTurn[0] == 300)
    }
}
