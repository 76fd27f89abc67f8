import Foundation
import ThinkEditCore
import ThinkEditPipeline
import ThinkEditStore

/// The report's first page: the run in numbers (the same figures `thinkedit status` prints), the
/// charts, and the ways into the trajectory browser. Every number carries `data-figure`, so it can
/// be checked against the database.
struct Overview {
    let status: StatusReport
    let counts: ReportFilterCounts
    let figures: StreamFigures
    let critique: ScoreHistogram
    let lists: [ReportList]

    static let colors = ["#3b7dd8", "#e08a2c", "#9aa5b1", "#2e9e5b", "#b34fb3"]

    var filterStats: FilterStatistics? { decode(status.stages[.filter]?.stats) }
    var splitStats: SplitStatistics? { decode(status.stages[.split]?.stats) }
    var unrollStats: UnrollStatistics? { decode(status.stages[.unroll]?.stats) }

    private func decode<T: Decodable>(_ text: String?) -> T? {
        text.flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    var html: HTML {
        var b: HTML = "<h1>Run \(status.workdir)</h1>"
        b += sections + browseSection
        return HTML.page(title: "thinkedit report", root: "", nav: ReportNav.links(root: ""), body: b)
    }

    /// The stages, the numbers and the charts: all of the page but the links into the browser
    /// (`thinkedit serve` shows the same sections with links of its own).
    var sections: HTML {
        stagesSection + numbersSection + chartsSection
    }

    // MARK: - Numbers

    private var stagesSection: HTML {
        var b: HTML = "<h2>Stages</h2><table><tr><th>stage</th><th>status</th><th>finished (UTC)</th><th>counts</th></tr>"
        for name in StageName.allCases {
            guard let run = status.stages[name] else {
                b += "<tr><td>\(name)</td><td>not run</td><td></td><td></td></tr>"
                continue
            }
            b += #"<tr><td>\#(name)</td><td data-stage-status="\#(name)">\#(run.status)</td>"#
            b += "<td>\(run.finishedAt.map { StatusReport.time($0) } ?? "-")</td><td>\(StatusReport.inline(run.counts))</td></tr>"
        }
        return b + "</table>"
    }

    private func card(_ label: String, _ value: HTML) -> HTML {
        #"<div class="card"><div class="label">\#(label)</div>\#(value)</div>"#
    }

    private func table<K>(_ title: String, key: String, _ values: [K: Int]) -> HTML where K: RawRepresentable, K.RawValue == String {
        var b: HTML = "<table><tr><th>\(title)</th><th class=\"num\">count</th></tr>"
        if values.isEmpty { b += "<tr><td colspan=\"2\">none</td></tr>" }
        for (k, v) in values.byName {
            b += #"<tr><td>\#(k)</td><td class="num">\#(HTML.figure("\(key).\(k)", v))</td></tr>"#
        }
        return b + "</table>"
    }

    /// The settings records behind the work (SPEC §2.8), "mixed" when there are several, and the
    /// stages the config's settings make stale.
    private var settingsSection: HTML {
        let st = status.settings
        var b: HTML = "<h2>Settings</h2>"
        if st.mixed { b += "<p><strong>mixed</strong>: more than one settings record made this run's data.</p>" }
        b += "<table><tr><th>stage</th><th>record</th><th class=\"num\">trajectories</th><th class=\"num\">turns</th><th></th></tr>"
        for (stage, usage, current) in [("generate", st.generate, st.current?.generate), ("score", st.score, st.current?.score)] {
            for u in usage {
                let note: HTML = u.id == current ? "the config's" : u.kept ? "kept" : ""
                b += "<tr><td>\(stage)</td><td><code>\(u.id)</code></td><td class=\"num\">\(u.trajectories)</td>"
                b += "<td class=\"num\">\(u.turns)</td><td>\(note)</td></tr>"
            }
        }
        b += "</table>"
        for s in st.stale {
            b += "<p><strong>\(s.stage) is stale</strong>: \(s.affected) made with \(s.records.joined(separator: ", ")); changed: "
            b += "\(s.changes.map(\.description).joined(separator: ", ")). Run with <code>--recompute</code> or <code>--keep</code>.</p>"
        }
        return b
    }

    private var numbersSection: HTML {
        let s = status.snapshot
        var b: HTML = "<h2>Overview</h2><div class=\"cards\">"
        b += card("pool items", HTML.figure("pool_items", s.poolItems))
        b += card("trajectories", HTML.figure("trajectories", s.trajectories.values.reduce(0, +)))
        b += card("complete", HTML.figure("trajectories.complete", s.trajectories[.complete] ?? 0))
        b += card("turns (scored)", HTML.figure("turns", s.turns) + " (" + HTML.figure("scored_turns", s.scoredTurns) + ")")
        b += card("turns with a prompt the editor rewrote", HTML.figure("rewritten_prompt_turns", s.rewrittenPromptTurns))
        b += card("kept", HTML.figure("kept", s.kept))
        b += card("dropped", HTML.figure("dropped", s.dropped.values.reduce(0, +)))
        b += card("step samples", HTML.figure("samples", s.samples))
        b += card("SFT samples", HTML.figure("split.sft", s.split[.sft] ?? 0))
        b += card("RL samples", HTML.figure("split.rl", s.split[.rl] ?? 0))
        b += card("model calls (from the cache)", HTML.figure("calls", s.calls) + " (" + HTML.figure("cached_calls", s.cachedCalls) + ")")
        b += card("tokens in / out", HTML.figure("prompt_tokens", s.promptTokens) + " / " + HTML.figure("completion_tokens", s.completionTokens))
        b += card("cost", HTML.figure("cost", s.cost, decimals: 2))
        b += "</div>"

        b += #"<div class="cards">"#
        b += table("dropped by reason", key: "dropped", s.dropped)
        b += table("trajectories by status", key: "trajectories", s.trajectories)
        b += table("failed trajectories by class", key: "failures", s.failures)
        b += table("failed calls by class", key: "call_errors", s.callErrors)
        b += "</div>"
        b += settingsSection

        if let split = splitStats {
            b += "<h2>SFT and RL sets</h2><table><tr><th>set</th><th class=\"num\">target</th><th class=\"num\">candidates</th>"
            b += "<th class=\"num\">selected</th><th class=\"num\">shortfall</th><th class=\"num\">samples</th></tr>"
            for (name, bal, samples) in [("sft", split.sft, split.sft.selected), ("rl", split.rl, split.rlSamples)] {
                b += "<tr><td>\(name == "sft" ? "SFT (samples)" : "RL (trajectories)")</td>"
                b += #"<td class="num">\#(HTML.figure("\(name).target", bal.target))</td><td class="num">\#(HTML.figure("\(name).candidates", bal.candidates))</td>"#
                b += #"<td class="num">\#(HTML.figure("\(name).selected", bal.selected))</td><td class="num">\#(HTML.figure("\(name).shortfall", bal.shortfall))</td>"#
                b += #"<td class="num">\#(HTML.figure("\(name).samples", samples))</td></tr>"#
            }
            b += "</table>"
            b += "<p>Kept trajectories in no candidate set: \(HTML.figure("unused_trajectories", split.unusedTrajectories)).</p>"
        } else {
            b += "<h2>SFT and RL sets</h2><p>The split stage has not run.</p>"
        }
        if let u = unrollStats {
            b += "<p>Unroll: \(HTML.figure("refine_samples", u.refineSamples)) refine and \(HTML.figure("stop_samples", u.stopSamples)) stop samples.</p>"
        }
        let spend = status.spend.filter { $0.cost > 0 || $0.promptTokens > 0 }
        if !spend.isEmpty {
            b += "<h2>Spend</h2><table><tr><th>stage</th><th class=\"num\">cost</th><th class=\"num\">done</th><th class=\"num\">total</th><th class=\"num\">projected</th></tr>"
            for sp in spend {
                b += #"<tr><td>\#(sp.stage)</td><td class="num">\#(String(format: "%.2f", sp.cost))</td><td class="num">\#(group(sp.done))</td>"#
                b += #"<td class="num">\#(group(sp.total))</td><td class="num">\#(sp.projected.map { String(format: "%.2f", $0) } ?? "-")</td></tr>"#
            }
            b += "</table>"
        }
        if figures.missingThumbnails > 0 {
            b += "<p><b>\(HTML.figure("missing_images", figures.missingThumbnails)) images could not be read</b>: their pages show a placeholder.</p>"
        }
        return b
    }

    // MARK: - Charts

    private func box(_ caption: String, _ chart: SVGChart, note: HTML) -> HTML {
        #"<figure class="chart-box"><figcaption>\#(caption)</figcaption>\#(chart.svg)<p>\#(note)</p></figure>"#
    }

    private func histogram(_ id: String, _ h: ScoreHistogram, x: String) -> SVGChart {
        let series = h.series.enumerated().map { i, name in
            ChartSeries(name: name, color: Self.colors[i % Self.colors.count], values: (h.counts[name] ?? []).map { Double($0) })
        }
        return SVGChart(id: id, kind: .stackedBars, categories: ScoreHistogram.labels, series: series, xLabel: x, yLabel: "count")
    }

    private var chartsSection: HTML {
        var b: HTML = #"<h2>Charts</h2><div class="charts">"#
        if let split = splitStats {
            for (name, bal, unit) in [("SFT", split.sft, "samples"), ("RL", split.rl, "trajectories")] {
                let chart = SVGChart(
                    id: "chart-tasks-\(name.lowercased())", kind: .groupedBars, categories: bal.tasks.map(\.task),
                    series: [ChartSeries(name: "before balancing (candidates)", color: Self.colors[2], values: bal.tasks.map { Double($0.candidates) }),
                             ChartSeries(name: "after balancing (selected)", color: Self.colors[name == "SFT" ? 0 : 1], values: bal.tasks.map { Double($0.selected) })],
                    xLabel: "task", yLabel: unit)
                b += box("\(name) \(unit) per task, before and after balancing", chart,
                         note: "Target \(group(bal.target)); \(group(bal.selected)) selected from \(group(bal.candidates)) candidates.")
            }
        } else {
            let tasks = counts.byTask.keys.sorted()
            let chart = SVGChart(id: "chart-tasks", kind: .groupedBars, categories: tasks,
                                 series: [ChartSeries(name: "trajectories", color: Self.colors[2], values: tasks.map { Double(counts.byTask[$0] ?? 0) })],
                                 xLabel: "task", yLabel: "trajectories")
            b += box("Trajectories per task (the split has not run: no balancing yet)", chart, note: "")
        }
        b += box("First-turn score O₁", histogram("chart-first-turn", figures.firstTurn, x: "overall score of turn 1"),
                 note: "\(group(figures.firstTurn.total)) trajectories with a scored first edit.")
        b += box("Best score max Oₜ, by filter verdict", histogram("chart-best", figures.best, x: "best overall score of the trajectory"),
                 note: "\(group(figures.best.total)) trajectories with a scored edit.")
        b += box("Critique score of every step sample, by split", histogram("chart-critique", critique, x: "overall of the critiqued image"),
                 note: "\(group(critique.total)) samples.")
        if let split = splitStats {
            let v = split.variance
            let width = VarianceHistogram.bucketWidth
            let chart = SVGChart(
                id: "chart-variance", kind: .groupedBars, categories: v.buckets.map { JSONNumber.format($0.lower) },
                series: [ChartSeries(name: "kept trajectories", color: Self.colors[0], values: v.buckets.map { Double($0.count) })],
                xLabel: "trajectory variance V (buckets of \(JSONNumber.format(width)))", yLabel: "trajectories",
                marker: (position: v.threshold / width, label: "rl.min_variance = \(JSONNumber.format(v.threshold))"))
            b += box("Trajectory variance V and the RL threshold", chart,
                     note: "\(HTML.figure("variance.at_or_below", v.atOrBelowThreshold)) at or below the threshold, \(HTML.figure("variance.above", v.aboveThreshold)) above (RL candidates), \(group(v.zero)) zero.")
        }
        let maxN = max(figures.lengths.count - 1, (filterStats?.lengths.last?.k ?? 0))
        if maxN >= 1 {
            let ns = Array(1...maxN)
            var kByLength = [Int: Int]()
            for l in filterStats?.lengths ?? [] { kByLength[l.k] = l.count }
            var series = [ChartSeries(name: "edited turns n (complete)", color: Self.colors[2],
                                      values: ns.map { Double($0 < figures.lengths.count ? figures.lengths[$0] : 0) })]
            if filterStats != nil {
                series.append(ChartSeries(name: "kept length k", color: Self.colors[3], values: ns.map { Double(kByLength[$0] ?? 0) }))
            }
            let chart = SVGChart(id: "chart-length", kind: .groupedBars, categories: ns.map(String.init), series: series,
                                 xLabel: "turns", yLabel: "trajectories")
            b += box("Trajectory length before and after truncation", chart,
                     note: filterStats.map { f -> HTML in "\(group(f.truncated)) kept trajectories truncated, \(group(f.turnsCut)) turns cut." } ?? "")
        }
        let turns = max(figures.meanAll.turns, 1)
        let chart = SVGChart(
            id: "chart-turn-means", kind: .lines, categories: (1...turns).map { "t\($0)" },
            series: [ChartSeries(name: "all scored turns", color: Self.colors[2], values: (1...turns).map { figures.meanAll.mean(turn: $0) }),
                     ChartSeries(name: "kept trajectories, turns ≤ k", color: Self.colors[3], values: (1...turns).map { figures.meanKept.mean(turn: $0) })],
            xLabel: "turn", yLabel: "mean overall score", decimals: 2, yMax: 10)
        b += box("Mean score by turn (the improvement curve)", chart, note: "Mean of Oₜ over the turns t that exist.")
        return b + "</div>"
    }

    // MARK: - Browser

    private var browseSection: HTML {
        var b: HTML = "<h2>Browse trajectories</h2><table><tr><th>list</th><th class=\"num\">trajectories</th><th class=\"num\">pages</th></tr>"
        for l in lists {
            b += #"<tr><td><a href="\#(ReportList.file(l.key, page: 1))">\#(l.title)</a></td>"#
            b += #"<td class="num">\#(HTML.figure("list.\(l.key)", l.total))</td><td class="num">\#(group(l.pageCount))</td></tr>"#
        }
        return b + "</table>"
    }
}
