/// What the filter keeps of a trajectory it did not drop (SPEC §2.4). Every number here is rounded
/// to 6 decimals, the form in which curation compares scores and variances.
package struct KeptTrajectory: Sendable, Hashable {
    /// `k`: the turns kept after truncation (2 or more).
    package var length: Int
    /// `V`: the population variance of `O_1..O_k`, computed on the raw overall scores, then rounded.
    package var variance: Double
    /// `O_1`, whose bin balances the RL set.
    package var firstOverall: Double
    /// `O_k` = max(O_2..O_n): the best score the loop reached.
    package var bestOverall: Double
    /// min(O_1..O_k): at least `sft.min_quality` makes a trajectory "consistently high quality".
    package var minOverall: Double

    package init(length: Int, variance: Double, firstOverall: Double, bestOverall: Double, minOverall: Double) {
        self.length = length
        self.variance = variance
        self.firstOverall = firstOverall
        self.bestOverall = bestOverall
        self.minOverall = minOverall
    }
}

/// The filter's verdict on one trajectory: kept (with its truncation and variance) or dropped (with
/// the reason the database keeps next to it).
package enum FilterDecision: Sendable, Hashable {
    case kept(KeptTrajectory)
    case dropped(DropReason)

    /// The kept part, nil when dropped.
    package var kept: KeptTrajectory? {
        if case .kept(let kept) = self { return kept }
        return nil
    }

    /// The drop reason, nil when kept.
    package var dropReason: DropReason? {
        if case .dropped(let reason) = self { return reason }
        return nil
    }
}

/// Trajectory filtering and truncation, SPEC §2.4.
///
/// The paper keeps a trajectory only when the thinker's refinements helped: some later turn scores
/// at least as well as the first. It leaves open which turn to cut at when the best score is reached
/// more than once; we cut at the FIRST turn `k >= 2` that reaches `max(O_2..O_n)`, which keeps at
/// least one refinement step (a tie with turn 1 still counts as a step) and the shortest path to the
/// best result.
///
/// Every score comparison uses `JSONNumber.round6` of the overall score, given or computed
/// (`Score.overall`): 7.0000004 and 7.0 are equal. The variance `V` of `O_1..O_k` is the population
/// variance (divide by `k`) of the raw overall scores, rounded to 6 decimals afterwards.
///
/// A trajectory is dropped for the first reason that applies, in this order:
/// 1. `failed` — generation gave up; its turns are partial, so no score rule is meaningful;
/// 2. `pending` — generation has not finished; a later filter run judges it;
/// 3. `editor_rewrote_prompt` — an editor executed a prompt other than the turn's instruction
///    (unless `keepRewritten`: the trajectory is then judged by its scores like any other);
/// 4. `unscored` — no turns, or a turn without a score; the score rules below read every `O_t`, so
///    they wait until the score stage is done (a single unscored turn is therefore `unscored`);
/// 5. `single_turn` — `n < 2`;
/// 6. `no_improvement` — `max(O_2..O_n) < O_1`.
package enum TrajectoryFilter {
    /// The verdict on one trajectory.
    package static func decide(_ trajectory: CurationTrajectory, keepRewritten: Bool = false) -> FilterDecision {
        switch trajectory.status {
        case .failed: return .dropped(.failed)
        case .pending: return .dropped(.pending)
        case .complete: break
        }
        if trajectory.promptRewritten && !keepRewritten { return .dropped(.editorRewrotePrompt) }
        let scores = trajectory.scores
        if scores.isEmpty { return .dropped(.unscored) }
        for score in scores where score == nil { return .dropped(.unscored) }
        if scores.count < 2 { return .dropped(.singleTurn) }

        let first = JSONNumber.round6(scores[0]!.overall)
        // Rounding is monotone, so the maximum of the rounded scores is the rounded maximum.
        var best = -Double.infinity
        var length = 0
        for t in 1..<scores.count {
            let o = JSONNumber.round6(scores[t]!.overall)
            if o > best {
                best = o
                length = t + 1
            }
        }
        if best < first { return .dropped(.noImprovement) }

        var sum = 0.0
        var lowest = first
        for t in 0..<length {
            sum += scores[t]!.overall
            lowest = min(lowest, JSONNumber.round6(scores[t]!.overall))
        }
        let mean = sum / Double(length)
        var squares = 0.0
        for t in 0..<length {
            let d = scores[t]!.overall - mean
            squares += d * d
        }
        return .kept(KeptTrajectory(
            length: length,
            variance: JSONNumber.round6(squares / Double(length)),
            firstOverall: first,
            bestOverall: best,
            minOverall: lowest
        ))
    }

    /// The verdicts on many trajectories, in input order, with their statistics.
    package static func apply(_ trajectories: [CurationTrajectory],
                              keepRewritten: Bool = false) -> (decisions: [FilterDecision], statistics: FilterStatistics) {
        var statistics = FilterStatistics()
        var decisions = [FilterDecision]()
        decisions.reserveCapacity(trajectories.count)
        for trajectory in trajectories {
            let decision = decide(trajectory, keepRewritten: keepRewritten)
            statistics.record(decision, turns: trajectory.scores.count, promptRewritten: trajectory.promptRewritten)
            decisions.append(decision)
        }
        return (decisions, statistics)
    }
}
