import ThinkEditPipeline
import ThinkEditStore

/// The report's overview, computed now: `thinkedit status`'s numbers and the figures the static
/// report draws, by the report's own queries and aggregations.
package struct LiveOverview {
    let overview: Overview

    package init(store: RunStore, config: RunConfig? = nil) throws {
        let status = try StatusReport(store: store, config: config)
        var critique = ScoreHistogram(series: ["sft", "rl", "unselected"])
        try store.forEachCritiqueScore { overall, split in critique.add(overall, series: split?.rawValue ?? "unselected") }
        var figures = StreamFigures()
        var counts = ReportFilterCounts()
        try store.forEachReportPage(pageSize: 500, start: { counts = $0 }) { page in
            for t in page { figures.record(t) }
        }
        overview = Overview(status: status, counts: counts, figures: figures, critique: critique, lists: [])
    }
}
