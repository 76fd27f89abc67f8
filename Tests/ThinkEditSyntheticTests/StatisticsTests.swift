import Testing
@testable import ThinkEditSynthetic

/// The bounds the synthetic world must meet against the EditThinker paper's GEdit-Bench-EN figures
/// (issue 18). `thinkedit bench synthetic` measures them on 2,000 trajectories per editor profile
/// (docs/synthetic-world.md records the table); this test runs fewer, smaller ones so a debug
/// build stays quick, with the same bounds.
@Suite("Synthetic world statistics")
struct StatisticsTests {
    /// 200 trajectories of 32×32 per profile: the world's figures do not depend on the image size
    /// (the bench's 256×256 runs agree), and the three runs stay within a few seconds.
    static let count = 200
    static let maxTurns = 8

    /// One run per profile, shared by the tests (the runs are deterministic, so sharing changes
    /// nothing but the time).
    static let runs = Task {
        var runs: [String: SyntheticWorldStatistics] = [:]
        for profile in SyntheticEditorProfile.all {
            runs[profile.name] = try await SyntheticWorldStatistics.run(count: count, seed: 7, maxTurns: maxTurns, imageSize: 32, profile: profile)
        }
        return runs
    }

    static func measure(_ profile: SyntheticEditorProfile) async throws -> SyntheticWorldStatistics {
        try #require(try await runs.value[profile.name])
    }

    @Test(arguments: SyntheticEditorProfile.all)
    func eachProfilesFirstEditsScoreLikeThePapersEditorAndSpreadOut(_ profile: SyntheticEditorProfile) async throws {
        let stats = try await Self.measure(profile)
        #expect(abs(stats.firstTurnMean - profile.paper.singleTurn) <= 0.3, "\(profile.name): first-turn mean \(stats.firstTurnMean), paper \(profile.paper.singleTurn)")
        #expect(stats.firstTurnStdDev >= 1.5 && stats.firstTurnStdDev <= 3.0, "\(profile.name): first-turn std \(stats.firstTurnStdDev)")
        #expect(stats.firstTurnBelowOneShare <= 0.15, "\(profile.name): \(stats.firstTurnBelowOneShare) of first edits below 1")
        #expect(stats.reachedTurn[0] == Self.count)
        #expect(stats.spearman >= 0.8, "spearman \(stats.spearman)")
    }

    @Test func fluxWithTheSyntheticExpertFollowsThePapersTurnCurve() async throws {
        let flux = try await Self.measure(.fluxKontextDev)
        var previous = -Double.infinity
        for t in SyntheticWorldStatistics.paperTurns {
            let measured = try #require(flux.finalMean(maxTurns: t))
            let paper = try #require(flux.profile.paper.byMaxTurns[t])
            #expect(abs(measured - paper) <= 0.3, "max turns \(t): \(measured), paper \(paper)")
            #expect(measured >= previous, "max turns \(t): \(measured) after \(previous)")
            previous = measured
        }
        #expect(try #require(flux.finalMean(maxTurns: 2)) > flux.firstTurnMean + 0.3)
    }

    @Test func theThinkerHelpsEveryEditorInThePapersOrderOfSize() async throws {
        let flux = try await Self.measure(.fluxKontextDev)
        let omnigen = try await Self.measure(.omnigen2)
        let qwen = try await Self.measure(.qwenImageEdit)
        // Paper: FLUX +1.12 (GPT-4.1, 8 turns), Qwen-Image-Edit +0.24, OmniGen2 +0.09.
        #expect(omnigen.thinkerGain > 0, "omnigen2 gain \(omnigen.thinkerGain)")
        #expect(qwen.thinkerGain > omnigen.thinkerGain, "qwen \(qwen.thinkerGain), omnigen2 \(omnigen.thinkerGain)")
        #expect(flux.thinkerGain > qwen.thinkerGain, "flux \(flux.thinkerGain), qwen \(qwen.thinkerGain)")
        #expect(omnigen.thinkerGain < 0.5 && qwen.thinkerGain < 0.6, "omnigen2 \(omnigen.thinkerGain), qwen \(qwen.thinkerGain)")
    }

    @Test func vagueRequestsFailMoreOftenThanPreciseOnes() async throws {
        let stats = try await Self.measure(.fluxKontextDev)
        let vague = try #require(stats.firstTurnFailureRate[.vague])
        let precise = try #require(stats.firstTurnFailureRate[.precise])
        #expect(vague > precise)
    }

    @Test func theCurationRulesCountSamplesAsTheSpecSays() {
        func check(_ scores: [Double], stopped: Bool, rl: Bool, sft: Int) {
            let c = SyntheticWorldStatistics.curation(scores, stopped: stopped)
            #expect(c.rlCandidate == rl && c.sftSamples == sft, "\(scores): \(c)")
        }
        // 4 → 9 → 9: kept, truncated at turn 2 (the first best), V = 6.25: RL only.
        check([4, 9, 9], stopped: true, rl: true, sft: 0)
        // 8 → 9, stopped: V = 0.25; one refine sample and the stop sample.
        check([8, 9], stopped: true, rl: false, sft: 2)
        // 7.5 → 9.5 at max turns: V = 1 is not above 1; no stop sample.
        check([7.5, 9.5], stopped: false, rl: false, sft: 1)
        // 7 → 9.5: V = 1.5625, an RL candidate whose samples may still go to SFT (min >= 7).
        check([7, 9.5], stopped: true, rl: true, sft: 2)
        // 5 → 9: V = 4, RL only.
        check([5, 9], stopped: true, rl: true, sft: 0)
        // 9 → 8: no improvement, dropped; a single turn is dropped too.
        check([9, 8], stopped: true, rl: false, sft: 0)
        check([9], stopped: true, rl: false, sft: 0)
    }
}
