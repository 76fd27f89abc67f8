/// The two kinds of step-wise sample (SPEC §2.5).
package enum SampleKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Critique image `I_{t-1}` and rewrite the instruction into `T_t`.
    case refine
    /// Critique the final image `I_k` and answer "good enough": keep `T_k`.
    case stop
}

/// One step-wise sample, as a reference into its trajectory rather than copied texts or scores, so
/// that millions of them stay small.
///
/// Turn numbers are 1-based as in the paper. The image being critiqued is always `I_{t-1}`: for a
/// refine sample at `t` that is the previous image, and for the stop sample (`t = k + 1`) it is the
/// final image `I_k`. The result image is `I_t` for a refine sample and none for a stop sample.
package struct UnrolledSample: Sendable, Hashable {
    /// Index of the trajectory in the array that was unrolled.
    package var trajectory: Int
    /// The sample's `t`: 2...k for refine samples, k + 1 for the stop sample.
    package var turn: Int
    package var kind: SampleKind

    init(trajectory: Int, turn: Int, kind: SampleKind) {
        self.trajectory = trajectory
        self.turn = turn
        self.kind = kind
    }

    /// The turn whose image the sample critiques: `t - 1`.
    package var critiqueTurn: Int { turn - 1 }

    /// The turn whose image the sample's answer produced: `t` for refine, nil for stop.
    package var resultTurn: Int? { kind == .refine ? turn : nil }

    /// The critique score `(SC_{t-1}, PQ_{t-1})`: the `<score>` the thinker must learn to output.
    /// `scores` are the trajectory's scores in turn order, as in `CurationTrajectory.scores`.
    /// Returns nil only when that turn has no score, which a kept trajectory never has.
    package func critiqueScore(in scores: [Score?]) -> Score? {
        scores[critiqueTurn - 1]
    }

    /// `result_score = S_t` for a refine sample, nil for a stop sample.
    package func resultScore(in scores: [Score?]) -> Score? {
        resultTurn.flatMap { scores[$0 - 1] }
    }

    /// The sample id, `<trajectory id>#<t>`, given the id of the trajectory it came from.
    package func id(trajectoryID: String) -> String {
        SampleID.make(trajectory: trajectoryID, turn: turn)
    }
}

/// Sample ids, `<trajectory id>#<t>` (SPEC §2.5): the one place that writes and reads them.
enum SampleID {
    package static func make(trajectory: String, turn: Int) -> String {
        trajectory + "#" + String(turn)
    }

    /// Appends the UTF-8 of `make(trajectory:turn:)` to `bytes`, without building a `String`
    /// (the split hashes a million sample ids).
    static func appendUTF8(trajectory: String, turn: Int, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: trajectory.utf8)
        bytes.append(UInt8(ascii: "#"))
        bytes.append(contentsOf: String(turn).utf8)
    }

    /// Splits an id at its LAST `#`, so trajectory ids may themselves contain `#`. Nil when the id
    /// does not end in `#` and a positive turn number.
    package static func parse(_ id: String) -> (trajectory: String, turn: Int)? {
        guard let hash = id.lastIndex(of: "#"),
              let turn = Int(id[id.index(after: hash)...]), turn > 0
        else { return nil }
        return (String(id[..<hash]), turn)
    }
}

/// Unrolling a kept trajectory into step-wise samples, SPEC §2.5.
///
/// A trajectory kept with length `k` yields a refine sample for every t = 2...k (learn to critique
/// `I_{t-1}` and write `T_t`), then, when `stop_samples` is on (the default), ONE stop sample at
/// t = k + 1 — but only when the expert itself ended the loop on the kept image: `k = n` and
/// `end_reason = stop`. A truncated trajectory gets none (its last kept image was followed by more
/// edits, so nobody said "stop" there) and neither does one that ran out of turns.
package enum Unroll {
    /// Appends the samples of one kept trajectory to `samples`.
    /// - Parameters:
    ///   - index: the trajectory's index, stored in each sample.
    ///   - turnCount: `n`, the trajectory's turns before truncation.
    package static func append(
        index: Int, turnCount: Int, endReason: EndReason?, kept: KeptTrajectory, stopSamples: Bool,
        to samples: inout [UnrolledSample]
    ) {
        let k = kept.length
        for t in stride(from: 2, through: k, by: 1) {
            samples.append(UnrolledSample(trajectory: index, turn: t, kind: .refine))
        }
        if stopSamples, k == turnCount, endReason == .stop {
            samples.append(UnrolledSample(trajectory: index, turn: k + 1, kind: .stop))
        }
    }

    /// The samples of every kept trajectory, ordered by trajectory index then `t`.
    /// `decisions[i]` must be the filter's verdict on `trajectories[i]`.
    package static func apply(
        _ trajectories: [CurationTrajectory], decisions: [FilterDecision], stopSamples: Bool = true
    ) -> (samples: [UnrolledSample], statistics: UnrollStatistics) {
        precondition(trajectories.count == decisions.count, "one filter decision per trajectory")
        var samples = [UnrolledSample]()
        // k - 1 refine samples and at most one stop sample per kept trajectory.
        samples.reserveCapacity(decisions.reduce(0) { $0 + ($1.kept?.length ?? 0) })
        var statistics = UnrollStatistics(stopSamplesEnabled: stopSamples)
        for (i, trajectory) in trajectories.enumerated() {
            guard let kept = decisions[i].kept else { continue }
            statistics.trajectories += 1
            append(index: i, turnCount: trajectory.scores.count, endReason: trajectory.endReason,
                   kept: kept, stopSamples: stopSamples, to: &samples)
        }
        for sample in samples { statistics.record(sample) }
        return (samples, statistics)
    }
}
