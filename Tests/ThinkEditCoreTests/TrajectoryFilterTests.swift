import Foundation
import Testing
@testable import ThinkEditCore

@Suite("Filter and truncation (SPEC §2.4)")
struct TrajectoryFilterTests {
    @Test func keepsWhenBestLaterScoreImprovesAndTruncatesAtIt() throws {
        let k = try kept(TrajectoryFilter.decide(trajectory([4, 6, 8, 5])))
        #expect(k.length == 3)
        #expect(k.firstOverall == 4)
        #expect(k.bestOverall == 8)
        #expect(k.minOverall == 4)
        // O_1..O_3 = 4, 6, 8: mean 6, population variance (4 + 0 + 4) / 3.
        #expect(k.variance == JSONNumber.round6(8.0 / 3.0))
    }

    @Test func tieWithFirstTurnIsKeptWithOneRefinementStep() throws {
        let k = try kept(TrajectoryFilter.decide(trajectory([6, 6, 5])))
        #expect(k.length == 2)
        #expect(k.variance == 0)
    }

    @Test func severalLaterMaximaTruncateAtTheSmallestTurn() throws {
        let k = try kept(TrajectoryFilter.decide(trajectory([3, 7, 5, 7, 7])))
        #expect(k.length == 2)
    }

    @Test func laterMaximumAfterTheFirstTurnIsFoundEvenWhenTurnTwoIsWorse() throws {
        let k = try kept(TrajectoryFilter.decide(trajectory([5, 2, 5, 5])))
        #expect(k.length == 3)
        #expect(k.minOverall == 2)
    }

    @Test func singleTurnIsDropped() {
        #expect(TrajectoryFilter.decide(trajectory([9], end: .stop)) == .dropped(.singleTurn))
    }

    @Test func decreasingScoresAreDroppedAsNoImprovement() {
        #expect(TrajectoryFilter.decide(trajectory([8, 7, 6])) == .dropped(.noImprovement))
    }

    @Test func givenOverallIsUsedInsteadOfTheComputedOne() throws {
        // Computed, turn 2 would be sqrt(4 * 9) = 6 > 5; as given it is 4 < 5.
        let given = CurationTrajectory(id: "g", task: "x", endReason: .stop, scores: [
            Score(semantic: ScoreNumber(5), quality: ScoreNumber(5)),
            Score(semantic: ScoreNumber(4), quality: ScoreNumber(9), overall: 4),
        ])
        #expect(TrajectoryFilter.decide(given) == .dropped(.noImprovement))
        let computed = CurationTrajectory(id: "c", task: "x", endReason: .stop, scores: [
            Score(semantic: ScoreNumber(5), quality: ScoreNumber(5)),
            Score(semantic: ScoreNumber(4), quality: ScoreNumber(9)),
        ])
        let k = try kept(TrajectoryFilter.decide(computed))
        #expect(k.bestOverall == 6)
        #expect(k.variance == 0.25)
    }

    @Test func scoresEqualAtSixDecimalsCompareEqual() throws {
        // 7.0000004 rounds to 7.0: a tie with turn 1, kept.
        let tie = try kept(TrajectoryFilter.decide(trajectory([7.0000004, 7.0])))
        #expect(tie.length == 2)
        #expect(tie.firstOverall == 7.0)
        // 7.000001 does not: the trajectory got worse.
        #expect(TrajectoryFilter.decide(trajectory([7.000001, 7.0])) == .dropped(.noImprovement))
        // Two later turns equal at 6 decimals: the first of them is the cut.
        let later = try kept(TrajectoryFilter.decide(trajectory([5, 7.0000004, 7.0000001])))
        #expect(later.length == 2)
    }

    @Test func varianceIsComputedOnRawValuesThenRounded() throws {
        // Rounded first, the scores would be 0 and 10 and V = 25. On the raw values the spread is
        // 9.9999992, so V = 4.9999996^2 = 24.99999600000016, which rounds to 24.999996.
        let k = try kept(TrajectoryFilter.decide(trajectory([0.0000004, 9.9999996])))
        #expect(k.variance == 24.999996)
        #expect(k.firstOverall == 0)
        #expect(k.bestOverall == 10)
        let wide = try kept(TrajectoryFilter.decide(trajectory([2, 8])))
        #expect(wide.variance == 9)
    }

    @Test func zeroVarianceWhenEveryKeptScoreIsEqual() throws {
        let k = try kept(TrajectoryFilter.decide(trajectory([5, 5, 5, 5])))
        #expect(k.length == 2)
        #expect(k.variance == 0)
    }

    @Test func dropReasonsApplyInOrderFailedPendingUnscoredSingleTurnNoImprovement() {
        #expect(TrajectoryFilter.decide(trajectory([8, 9], status: .failed)) == .dropped(.failed))
        #expect(TrajectoryFilter.decide(CurationTrajectory(id: "f", task: "x", status: .failed, endReason: nil, scores: [nil])) == .dropped(.failed))
        #expect(TrajectoryFilter.decide(trajectory([8, 9], status: .pending)) == .dropped(.pending))
        #expect(TrajectoryFilter.decide(CurationTrajectory(id: "e", task: "x", endReason: .stop, scores: [])) == .dropped(.unscored))
        #expect(TrajectoryFilter.decide(CurationTrajectory(id: "u", task: "x", endReason: .stop, scores: [nil])) == .dropped(.unscored))
        #expect(TrajectoryFilter.decide(CurationTrajectory(id: "u2", task: "x", endReason: .stop, scores: [score(9), nil, score(2)])) == .dropped(.unscored))
    }

    @Test func aTrajectoryWhoseEditorRewroteAPromptIsDroppedAfterFailedAndPendingUnlessKept() {
        var rewritten = trajectory([6, 8])
        rewritten.promptRewritten = true
        #expect(TrajectoryFilter.decide(rewritten) == .dropped(.editorRewrotePrompt))
        var unscored = CurationTrajectory(id: "u", task: "x", endReason: .stop, scores: [nil], promptRewritten: true)
        #expect(TrajectoryFilter.decide(unscored) == .dropped(.editorRewrotePrompt))
        unscored.status = .pending
        #expect(TrajectoryFilter.decide(unscored) == .dropped(.pending))
        // Kept on request: judged by its scores like any other, and counted.
        #expect(TrajectoryFilter.decide(rewritten, keepRewritten: true) == TrajectoryFilter.decide(trajectory([6, 8])))
        var worse = trajectory([8, 6])
        worse.promptRewritten = true
        #expect(TrajectoryFilter.decide(worse, keepRewritten: true) == .dropped(.noImprovement))
        let (_, stats) = TrajectoryFilter.apply([rewritten, worse, trajectory([5, 7])], keepRewritten: true)
        #expect(stats.kept == 2 && stats.keptRewritten == 1)
        #expect(TrajectoryFilter.apply([rewritten, trajectory([5, 7])]).statistics.dropped.editorRewrotePrompt == 1)
    }

    @Test func dropCountsRoundTripUnderTheReasonsNames() throws {
        var counts = DropCounts()
        for (i, reason) in DropReason.allCases.enumerated() { counts[reason] = i + 1 }
        let data = try JSONEncoder().encode(counts)
        let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Int])
        #expect(Set(keys.keys) == Set(DropReason.allCases.map(\.rawValue)))
        #expect(try JSONDecoder().decode(DropCounts.self, from: data) == counts)
    }

    @Test func filterStatisticsWrittenBeforeTheRewriteReasonStillRead() throws {
        let old = #"{"dropped":{"failed":1,"no_improvement":2,"pending":0,"single_turn":3,"unscored":4},"kept":5,"lengths":[],"trajectories":15,"truncated":0,"turns_cut":0}"#
        let stats = try JSONDecoder().decode(FilterStatistics.self, from: Data(old.utf8))
        #expect(stats.dropped.editorRewrotePrompt == 0 && stats.dropped.unscored == 4 && stats.keptRewritten == 0)
    }

    @Test func statisticsCountKeptDroppedAndTruncationLengths() {
        let (decisions, stats) = TrajectoryFilter.apply([
            trajectory("a", [4, 6, 8, 5]),   // kept, k = 3 of 4
            trajectory("b", [4, 6]),         // kept, k = 2 of 2
            trajectory("c", [4, 9, 1, 1]),   // kept, k = 2 of 4
            trajectory("d", [9]),            // single_turn
            trajectory("e", [9, 1]),         // no_improvement
            trajectory("f", [1, 2], status: .failed),
        ])
        #expect(decisions.count == 6)
        #expect(stats.trajectories == 6)
        #expect(stats.kept == 3)
        #expect(stats.dropped.singleTurn == 1)
        #expect(stats.dropped.noImprovement == 1)
        #expect(stats.dropped.failed == 1)
        #expect(stats.dropped.total == 3)
        #expect(stats.lengths == [LengthCount(k: 2, count: 2), LengthCount(k: 3, count: 1)])
        #expect(stats.truncated == 2)
        #expect(stats.turnsCut == 3)
    }
}
