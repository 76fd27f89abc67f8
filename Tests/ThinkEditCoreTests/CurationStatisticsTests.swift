import Foundation
import Testing
@testable import ThinkEditCore

@Suite("Stage statistics as stored JSON")
struct CurationStatisticsTests {
    private func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func filterStatisticsUseTheDropReasonNamesOfTheDatabase() throws {
        var stats = FilterStatistics()
        stats.record(.dropped(.singleTurn), turns: 1)
        stats.record(.dropped(.noImprovement), turns: 3)
        stats.record(.kept(KeptTrajectory(length: 2, variance: 1, firstOverall: 4, bestOverall: 6, minOverall: 4)), turns: 5)
        let text = try json(stats)
        #expect(text.contains("\"single_turn\":1"))
        #expect(text.contains("\"no_improvement\":1"))
        #expect(text.contains("\"turns_cut\":3"))
        #expect(text.contains("\"lengths\":[{\"count\":1,\"k\":2}]"))
        #expect(try JSONDecoder().decode(FilterStatistics.self, from: Data(text.utf8)) == stats)
    }

    @Test func splitStatisticsRoundTripAndShowTheThresholdAndShortfalls() throws {
        let input = SplitInput(trajectories: [
            SplitTrajectory(id: "a", task: "color_alter", variance: 0, firstOverall: 6, minOverall: 6),
            SplitTrajectory(id: "b", task: "color_alter", variance: 2.5, firstOverall: 3, minOverall: 3),
        ], samples: [
            SplitSample(trajectory: 0, turn: 2, critiqueOverall: 6),
            SplitSample(trajectory: 1, turn: 2, critiqueOverall: 3),
        ])
        let stats = try VarianceSplit.apply(input, config: SplitConfig(seed: 7)).statistics
        #expect(stats.variance.zero == 1)
        #expect(stats.variance.aboveThreshold == 1)
        #expect(stats.variance.buckets.first == VarianceBucket(lower: 0, count: 1))
        #expect(stats.variance.buckets.last == VarianceBucket(lower: 2.5, count: 1))
        #expect(stats.rl.shortfall == 9_999)
        #expect(stats.sft.shortfall == 139_999)
        #expect(stats.rlSamples == 1)
        let text = try json(stats)
        #expect(text.contains("\"threshold\":1"))
        #expect(text.contains("\"bucket_width\":0.25"))
        #expect(text.contains("\"rl_min_variance\":1"))
        #expect(try JSONDecoder().decode(SplitStatistics.self, from: Data(text.utf8)) == stats)
    }
}
