import ThinkEditCore
import ThinkEditStore

/// A histogram of scores on the 0–10 scale in fixed bins `[i·w, (i+1)·w)`; a perfect 10 (or an
/// imported score above it) falls in the top bin, anything below 0 in bin 0. The bin count is
/// fixed up front, so a report over any number of trajectories holds the same few integers.
package struct ScoreHistogram: Sendable, Hashable {
    package static let width = 0.5
    package static let binCount = 20

    /// Counts per series name (e.g. `sft`, `rl`, `unselected`), each `binCount` long.
    package private(set) var counts: [String: [Int]] = [:]
    /// Series names in the order they were first seen, for stable drawing.
    package private(set) var series: [String] = []

    package init(series: [String] = []) {
        for name in series { counts[name] = Array(repeating: 0, count: Self.binCount); self.series.append(name) }
    }

    /// The bin of a score, compared on its 6-decimal value like every score in curation.
    package static func bin(of x: Double) -> Int {
        let micros = (JSONNumber.round6(x) * 1_000_000).rounded()
        guard micros.isFinite, micros > 0 else { return 0 }
        return min(binCount - 1, Int(micros / (width * 1_000_000)))
    }

    package mutating func add(_ x: Double, series name: String = "all") {
        if counts[name] == nil {
            counts[name] = Array(repeating: 0, count: Self.binCount)
            series.append(name)
        }
        counts[name]![Self.bin(of: x)] += 1
    }

    package var total: Int { counts.values.reduce(0) { $0 + $1.reduce(0, +) } }

    /// `"0–0.5"` ... `"9.5–10"`.
    package static var labels: [String] {
        (0..<binCount).map { i in "\(JSONNumber.format(Double(i) * width))–\(JSONNumber.format(Double(i + 1) * width))" }
    }
}

/// Per-turn running means: the improvement curve. Grows to the largest turn seen, which the
/// config's `max_turns` bounds.
package struct TurnMeans: Sendable, Hashable {
    package private(set) var sums: [Double] = []
    package private(set) var counts: [Int] = []

    init() {}

    package mutating func add(turn: Int, overall: Double) {
        guard turn >= 1 else { return }
        while sums.count < turn { sums.append(0); counts.append(0) }
        sums[turn - 1] += overall
        counts[turn - 1] += 1
    }

    /// Mean of turn `t` (1-based), nil when no turn `t` was scored.
    package func mean(turn t: Int) -> Double? {
        t >= 1 && t <= counts.count && counts[t - 1] > 0 ? sums[t - 1] / Double(counts[t - 1]) : nil
    }

    package var turns: Int { counts.count }
}

/// The figures the report aggregates while it streams the trajectories once, in memory that does
/// not grow with the run: fixed histograms and per-turn arrays.
package struct StreamFigures: Sendable, Hashable {
    /// `O_1` of every trajectory whose first edit is scored.
    package var firstTurn = ScoreHistogram(series: ["all"])
    /// The best `O_t` of every trajectory with a scored edit, split by the filter's verdict.
    package var best = ScoreHistogram(series: ["kept", "dropped", "unfiltered"])
    /// Edited turns `n` per complete trajectory: index n (0 unused beyond a trajectory with no edit).
    package var lengths: [Int] = []
    /// Mean `O_t` per turn over every scored turn.
    package var meanAll = TurnMeans()
    /// Mean `O_t` per turn over the kept trajectories' turns up to the truncation point `k`.
    package var meanKept = TurnMeans()
    /// Images whose thumbnail could not be made (missing or unreadable file).
    package var missingThumbnails = 0

    package init() {}

    package mutating func record(_ t: ReportTrajectory) {
        let scored = t.turns.compactMap { u in u.score.map { (u.turn, $0.overall) } }
        if let first = t.turns.first, first.turn == 1, let o = first.score?.overall {
            firstTurn.add(o)
        }
        if let best = scored.map(\.1).max() {
            self.best.add(best, series: t.kept.map { $0 ? "kept" : "dropped" } ?? "unfiltered")
        }
        if t.status == .complete {
            let n = t.turns.filter { $0.image != nil }.count
            while lengths.count <= n { lengths.append(0) }
            lengths[n] += 1
        }
        for (turn, o) in scored {
            meanAll.add(turn: turn, overall: o)
            if t.kept == true, let k = t.k, turn <= k { meanKept.add(turn: turn, overall: o) }
        }
    }
}
