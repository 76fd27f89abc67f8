import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditImaging

/// The synthetic world measured over many trajectories: the SPEC §2.2 loop run in memory with the
/// synthetic editor, expert and judge (turn 1 = T; the expert before turns 2..N; stop when it is
/// satisfied), every turn scored as in SPEC §2.3. `docs/synthetic-world.md` records one run.
package struct SyntheticWorldStatistics: Sendable {
    /// One simulated trajectory, kept for the example figures.
    package struct Example: Sendable {
        package var item: SyntheticPool.Item
        package var precision: InstructionPrecision
        package var turns: [ExampleTurn]
        package var stopReasoning: String?
    }

    /// One turn of an example: the instruction sent to the editor, the expert's reasoning that
    /// produced it (nil on turn 1), the edited PNG and its score.
    package struct ExampleTurn: Sendable {
        package var instruction: String
        package var reasoning: String?
        package var image: [UInt8]
        package var score: Score
        package var judgeReasoning: String
    }

    /// The editor profile the statistics were measured with.
    package var profile = SyntheticEditorProfile.fluxKontextDev
    package var trajectories = 0
    package var turns = 0
    package var maxTurns = 0
    /// Share of first edits with `O_1 < 1` (a missed target or an empty edit scores 0).
    var firstTurnBelowOneShare = 0.0
    /// SFT and RL candidates per trajectory by the SPEC §2.4–2.6 rules with the default
    /// thresholds (keep when max(O_2..O_n) >= O_1, truncate at the first best turn, RL when the
    /// variance V > 1, SFT samples — refine samples and the stop sample — when V <= 1 or every
    /// kept score >= 7), at this run's max turns.
    var sftSamplesPerItem = 0.0
    var rlTrajectoriesPerItem = 0.0
    /// Mean and population standard deviation of `O_1`.
    var firstTurnMean = 0.0
    var firstTurnStdDev = 0.0
    /// Share of trajectories with n >= 2 and max(O_2..O_n) >= O_1 (the SPEC §2.4 keep rule).
    var improvedShare = 0.0
    /// How many first edits fall in each score bin floor(O_1), 0...10.
    var firstTurnHistogram = [Int](repeating: 0, count: 11)
    /// Population variance of O_1..O_n per trajectory, binned like SPEC §2.6 uses it:
    /// [V <= 1, 1 < V <= 4, V > 4], over trajectories with n >= 2.
    var varianceBins = [0, 0, 0]
    /// Share of trajectories ended by the expert (`end_reason = stop`).
    var stoppedShare = 0.0
    /// Share of first edits with O_1 < 5, by the precision of the user's instruction.
    var firstTurnFailureRate: [InstructionPrecision: Double] = [:]
    /// Share of trajectories whose last edit still has O < 5, by precision.
    var finalFailureRate: [InstructionPrecision: Double] = [:]
    /// Mean score after t turns over all trajectories (a stopped trajectory keeps its last score).
    var meanScoreByTurn: [Double] = []
    /// Mean O_t over the trajectories that reached turn t, and how many did.
    var meanScoreOfReachedTurn: [Double] = []
    var reachedTurn: [Int] = []
    /// Spearman rank correlation of the judge's O with the true pixel accuracy, over every turn.
    var spearman = 0.0
    /// Process CPU seconds spent in editor, expert and judge calls (image coding included).
    package var cpuSecondsInCalls = 0.0
    /// CPU milliseconds of each turn (its expert call, edit and two judge calls), in run order.
    var turnCPUMilliseconds: [Double] = []
    /// The same, split by backend.
    package var cpuSecondsEditor = 0.0
    package var cpuSecondsExpert = 0.0
    package var cpuSecondsJudge = 0.0
    package var examples: [Example] = []

    /// Median and 90th percentile of `turnCPUMilliseconds`.
    package var medianTurnCPUMilliseconds: Double { Self.quantile(turnCPUMilliseconds, 0.5) }
    package var p90TurnCPUMilliseconds: Double { Self.quantile(turnCPUMilliseconds, 0.9) }

    static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
    }

    /// CPU milliseconds per turn (one edit, one expert call when t >= 2, two judge calls).
    package var cpuMillisecondsPerTurn: Double { turns == 0 ? 0 : cpuSecondsInCalls * 1000 / Double(turns) }

    /// Runs `count` trajectories on the pool `SyntheticPool.item(index:seed:)` would write, with
    /// the editor of `profile`. Because every draw is keyed by (seed, item, turn) and the expert's
    /// decisions do not depend on the max turns, `meanScoreByTurn[t - 1]` is exactly the mean
    /// final-image score a run with `max_turns: t` would give.
    package static func run(
        count: Int, seed: UInt64, maxTurns: Int = 5, imageSize: Int = 256, keepExamples: Int = 0,
        profile: SyntheticEditorProfile = .fluxKontextDev
    ) async throws -> SyntheticWorldStatistics {
        guard count > 0, maxTurns >= 1 else {
            throw SyntheticError.invalidSetting(name: "statistics", detail: "count (\(count)) and maxTurns (\(maxTurns)) must be at least 1")
        }
        let editor = profile.editor(seed: seed)
        let expert = SyntheticExpert(seed: seed)
        let judge = SyntheticJudge(seed: seed)
        var stats = SyntheticWorldStatistics()
        stats.profile = profile
        stats.trajectories = count
        stats.maxTurns = maxTurns

        var firstScores: [Double] = []
        var scoresByTurn = [[Double]](repeating: [], count: maxTurns)
        var carried = [Double](repeating: 0, count: maxTurns)
        var judged: [Double] = []
        var accuracies: [Double] = []
        var improved = 0, stopped = 0, belowOne = 0, sftSamples = 0, rlTrajectories = 0
        var firstFail: [InstructionPrecision: (fail: Int, all: Int)] = [:]
        var finalFail: [InstructionPrecision: (fail: Int, all: Int)] = [:]

        for index in 1...count {
            let item = try SyntheticPool.item(index: index, seed: seed, imageSize: imageSize)
            let context = ItemContext(
                trajectoryID: item.id, task: item.task, instruction: item.instruction,
                source: ImagePayload(bytes: item.imageBytes), meta: item.meta
            )
            var instruction = item.instruction
            var reasoning: String?
            var previous: ImagePayload?
            var scores: [Double] = []
            var example = Example(item: item, precision: item.truth.precision, turns: [])
            for turn in 1...maxTurns {
                var expertSeconds = 0.0
                if let image = previous {
                    let start = ProcessCPUClock.seconds()
                    let answer = try await expert.think(ThinkRequest(item: context, turn: turn, previousImage: image, previousInstruction: instruction))
                    expertSeconds = ProcessCPUClock.seconds() - start
                    stats.cpuSecondsExpert += expertSeconds
                    if answer.satisfied {
                        example.stopReasoning = answer.reasoning
                        stopped += 1
                        break
                    }
                    instruction = answer.instruction
                    reasoning = answer.reasoning
                }
                let editSeed = SeededRandom.derive(["edit-seed", String(seed), item.id, String(turn)])
                let editStart = ProcessCPUClock.seconds()
                let edited = try await editor.edit(EditRequest(item: context, turn: turn, instruction: instruction, seed: editSeed))
                let judgeStart = ProcessCPUClock.seconds()
                let payload = ImagePayload(bytes: edited.image)
                let semantic = try await judge.judge(JudgeRequest(item: context, turn: turn, edited: payload, aspect: .semantic))
                let quality = try await judge.judge(JudgeRequest(item: context, turn: turn, edited: payload, aspect: .quality))
                let end = ProcessCPUClock.seconds()
                stats.cpuSecondsEditor += judgeStart - editStart
                stats.cpuSecondsJudge += end - judgeStart
                stats.turnCPUMilliseconds.append((expertSeconds + end - editStart) * 1000)

                let score = JudgeSubScores(success: semantic.scores[0], overEditing: semantic.scores[1],
                                           naturalness: quality.scores[0], artifacts: quality.scores[1]).score
                let raster = try SyntheticImages.decode(payload, truth: item.truth, item: item.id, turn: turn)
                accuracies.append(JudgeSimulation.compare(edited: raster, truth: item.truth).accuracy)
                judged.append(score.overall)
                scores.append(score.overall)
                scoresByTurn[turn - 1].append(score.overall)
                stats.turns += 1
                if index <= keepExamples {
                    example.turns.append(ExampleTurn(instruction: instruction, reasoning: reasoning, image: edited.image,
                                                     score: score, judgeReasoning: semantic.reasoning + " " + quality.reasoning))
                }
                previous = payload
            }
            if index <= keepExamples { stats.examples.append(example) }

            let first = scores[0]
            firstScores.append(first)
            if first < 1 { belowOne += 1 }
            let curation = Self.curation(scores, stopped: example.stopReasoning != nil)
            sftSamples += curation.sftSamples
            if curation.rlCandidate { rlTrajectories += 1 }
            stats.firstTurnHistogram[min(10, max(0, Int(first.rounded(.down))))] += 1
            if scores.count >= 2 {
                let mean = scores.reduce(0, +) / Double(scores.count)
                let variance = scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(scores.count)
                stats.varianceBins[variance <= 1 ? 0 : variance <= 4 ? 1 : 2] += 1
            }
            if scores.count >= 2, JSONNumber.round6(scores.dropFirst().max()!) >= JSONNumber.round6(first) { improved += 1 }
            for t in 0..<maxTurns { carried[t] += scores[min(t, scores.count - 1)] }
            let precision = item.truth.precision
            firstFail[precision, default: (0, 0)].all += 1
            finalFail[precision, default: (0, 0)].all += 1
            if first < 5 { firstFail[precision]!.fail += 1 }
            if scores.last! < 5 { finalFail[precision]!.fail += 1 }
        }

        let n = Double(count)
        stats.firstTurnMean = firstScores.reduce(0, +) / n
        stats.firstTurnStdDev = (firstScores.map { ($0 - stats.firstTurnMean) * ($0 - stats.firstTurnMean) }.reduce(0, +) / n).squareRoot()
        stats.improvedShare = Double(improved) / n
        stats.firstTurnBelowOneShare = Double(belowOne) / n
        stats.sftSamplesPerItem = Double(sftSamples) / n
        stats.rlTrajectoriesPerItem = Double(rlTrajectories) / n
        stats.stoppedShare = Double(stopped) / n
        stats.firstTurnFailureRate = firstFail.mapValues { Double($0.fail) / Double(max($0.all, 1)) }
        stats.finalFailureRate = finalFail.mapValues { Double($0.fail) / Double(max($0.all, 1)) }
        stats.meanScoreByTurn = carried.map { $0 / n }
        stats.meanScoreOfReachedTurn = scoresByTurn.map { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) }
        stats.reachedTurn = scoresByTurn.map(\.count)
        stats.spearman = Self.spearman(judged, accuracies)
        stats.cpuSecondsInCalls = stats.cpuSecondsEditor + stats.cpuSecondsExpert + stats.cpuSecondsJudge
        return stats
    }

    /// Where a trajectory with these overall scores may go under SPEC §2.4–2.6 with the default
    /// thresholds (min_variance 1, min_quality 7, stop samples on): an RL candidate when its
    /// variance V > 1; its samples are SFT candidates when V <= 1 or every kept score >= 7 (a
    /// trajectory can be both, and then goes to SFT unless RL selects it).
    static func curation(_ scores: [Double], stopped: Bool) -> (rlCandidate: Bool, sftSamples: Int) {
        let o = scores.map(JSONNumber.round6)
        guard o.count >= 2, let best = o.dropFirst().max(), best >= o[0] else { return (false, 0) }
        let k = o.indices.first { $0 >= 1 && o[$0] == best }! + 1
        let kept = o.prefix(k)
        let mean = kept.reduce(0, +) / Double(k)
        let variance = JSONNumber.round6(kept.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(k))
        let samples = (k - 1) + (k == o.count && stopped ? 1 : 0)
        return (variance > 1, variance <= 1 || kept.min()! >= 7 ? samples : 0)
    }

    /// Spearman's rho: the Pearson correlation of the ranks, ties given their average rank.
    static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "spearman needs paired samples")
        let ra = ranks(a), rb = ranks(b)
        let n = Double(a.count)
        guard n > 1 else { return 0 }
        let ma = ra.reduce(0, +) / n, mb = rb.reduce(0, +) / n
        var cov = 0.0, va = 0.0, vb = 0.0
        for i in ra.indices {
            cov += (ra[i] - ma) * (rb[i] - mb)
            va += (ra[i] - ma) * (ra[i] - ma)
            vb += (rb[i] - mb) * (rb[i] - mb)
        }
        return va == 0 || vb == 0 ? 0 : cov / (va * vb).squareRoot()
    }

    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = average }
            start = end + 1
        }
        return ranks
    }
}

extension SyntheticWorldStatistics.Example {
    /// One PNG showing the trajectory left to right: source, each turn's edit, and the target the
    /// user wanted, separated by white gaps.
    package func strip() throws -> [UInt8] {
        let size = item.truth.size
        let gap = max(2, size / 32)
        var tiles = [try SyntheticImages.decode(ImagePayload(bytes: item.imageBytes), truth: item.truth, item: item.id, turn: 0)]
        for (index, turn) in turns.enumerated() {
            tiles.append(try SyntheticImages.decode(ImagePayload(bytes: turn.image), truth: item.truth, item: item.id, turn: index + 1))
        }
        tiles.append(item.truth.targetScene.render(size: size))
        let width = tiles.count * size + (tiles.count - 1) * gap
        var canvas = RGBImage(width: width, height: size, fill: (255, 255, 255))
        for (k, tile) in tiles.enumerated() {
            let x0 = k * (size + gap)
            for y in 0..<size {
                let from = y * size * 3
                let to = (y * width + x0) * 3
                canvas.pixels.replaceSubrange(to..<(to + size * 3), with: tile.pixels[from..<(from + size * 3)])
            }
        }
        return try ImageCodec.encodePNG(canvas)
    }
}

extension SyntheticWorldStatistics {
    /// The figures as `key: value` lines (the bench command prints them).
    package func report() -> String {
        func r(_ x: Double) -> String { String((x * 1000).rounded() / 1000) }
        var lines = [
            "trajectories: \(trajectories)  turns: \(turns)  max_turns: \(maxTurns)",
            "first_turn_overall_mean: \(r(firstTurnMean))  (paper \(profile.paper.singleTurn), bound ±0.3)",
            "first_turn_overall_std: \(r(firstTurnStdDev))  (bound 1.5..3.0)",
            "first_turn_overall_below_1: \(r(firstTurnBelowOneShare))  (bound <= 0.15)",
            "sft_samples_per_item: \(r(sftSamplesPerItem))  rl_candidates_per_item: \(r(rlTrajectoriesPerItem))",
            "share_max_later_ge_first: \(r(improvedShare))",
            "share_ended_by_expert_stop: \(r(stoppedShare))",
            "spearman_overall_vs_pixel_accuracy: \(r(spearman))  (bound >= 0.8)",
        ]
        for precision in InstructionPrecision.allCases {
            lines.append("failure_rate_first_turn[\(precision.rawValue)]: \(r(firstTurnFailureRate[precision] ?? 0))  final: \(r(finalFailureRate[precision] ?? 0))")
        }
        lines.append("first_turn_histogram (floor O_1 = 0..10): " + firstTurnHistogram.map(String.init).joined(separator: " "))
        lines.append("trajectory_variance_bins (n >= 2; V <= 1, 1 < V <= 4, V > 4): " + varianceBins.map(String.init).joined(separator: " "))
        lines.append("mean_score_by_turn (carried forward): " + meanScoreByTurn.map(r).joined(separator: " "))
        lines.append("mean_score_of_reached_turn: " + meanScoreOfReachedTurn.map(r).joined(separator: " "))
        lines.append("trajectories_reaching_turn: " + reachedTurn.map(String.init).joined(separator: " "))
        return lines.joined(separator: "\n")
    }
}

extension SyntheticWorldStatistics.Example {
    /// A markdown description of the trajectory, for `docs/synthetic-world.md`.
    package func markdown(imagePath: String) -> String {
        var text = "### \(item.id) — \(item.task), \(precision.rawValue) instruction\n\n"
        text += "![\(item.id): source, edits, target](\(imagePath))\n\n"
        text += "User instruction `T`: \"\(item.instruction)\"\n\n"
        for (k, turn) in turns.enumerated() {
            text += "- Turn \(k + 1): "
            if let reasoning = turn.reasoning { text += "expert: _\(reasoning)_ → " }
            text += "`\(turn.instruction)` — score SC \(turn.score.semantic), PQ \(turn.score.quality), O \(JSONNumber.round6(turn.score.overall)) (judge: \(turn.judgeReasoning))\n"
        }
        if let stop = stopReasoning { text += "- Stop: _\(stop)_\n" } else { text += "- Ended at max_turns.\n" }
        return text
    }
}

extension SyntheticWorldStatistics {
    /// The max turns at which the paper reports the final image, and the one the thinker gain is
    /// read at.
    static let paperTurns = [1, 2, 4, 6, 8]

    /// Mean final-image overall of a run with `max_turns: t` (nil past this run's max turns).
    func finalMean(maxTurns t: Int) -> Double? {
        t >= 1 && t <= meanScoreByTurn.count ? meanScoreByTurn[t - 1] : nil
    }

    /// Gain of the final image at this run's max turns over the first edit.
    var thinkerGain: Double { (meanScoreByTurn.last ?? firstTurnMean) - firstTurnMean }

    /// A markdown table of the figures the issue asks for, measured beside published, one block
    /// of rows per profile (`thinkedit bench synthetic` prints it; docs/synthetic-world.md holds it).
    package static func paperTable(_ runs: [SyntheticWorldStatistics]) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "—" }
        var lines = [
            "| editor profile | figure | measured | paper |",
            "|---|---|---|---|",
        ]
        for s in runs {
            let p = s.profile
            let name = "`\(p.name)` (\(p.model))"
            lines.append("| \(name) | first-turn overall, mean | \(f(s.firstTurnMean)) | \(f(p.paper.singleTurn)) |")
            lines.append("| | first-turn overall, standard deviation | \(f(s.firstTurnStdDev)) | (1.5–3.0) |")
            lines.append("| | first-turn overall below 1 | \(String(format: "%.1f %%", s.firstTurnBelowOneShare * 100)) | (at most 15 %) |")
            for t in paperTurns where t > 1 && t <= s.maxTurns {
                lines.append("| | final image, max turns \(t) | \(f(s.finalMean(maxTurns: t))) | \(f(p.paper.byMaxTurns[t])) |")
            }
            let published = p.paper.withThinker.map { $0 - p.paper.singleTurn }
                ?? p.paper.byMaxTurns[s.maxTurns].map { $0 - p.paper.singleTurn }
            let source = p.paper.withThinker == nil ? "GPT-4.1 expert" : "EditThinker thinker"
            lines.append("| | gain of the final image, max turns \(s.maxTurns) | \(String(format: "%+.2f", s.thinkerGain)) | \(published.map { String(format: "%+.2f", $0) } ?? "—") (\(source)) |")
            lines.append("| | SFT samples / RL candidates per item (max turns \(s.maxTurns)) | \(f(s.sftSamplesPerItem)) / \(f(s.rlTrajectoriesPerItem)) | |")
        }
        return lines.joined(separator: "\n")
    }
}
