import Foundation
import ThinkEditCore
import ThinkEditPipeline
import ThinkEditStore

/// The HTML of `thinkedit serve` (its trajectory page is the report's, `TrajectoryPages.page`).
/// Everything a page needs is in it or in `/style.css` (the
/// report's style sheet and a few rules of its own, compiled in); the one script is inline and
/// only follows the page's previous / next links on the arrow keys and `j` / `k`.
package enum ServePages {
    package static func page(title: String, body: HTML) -> HTML {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>\(title)</title>
        <link rel="stylesheet" href="/style.css">
        </head><body>
        <header><a class="brand" href="/">thinkedit serve</a><a href="/">Overview</a><a href="/trajectories">Trajectories</a>\
        <a href="/trajectories?verdict=kept">Kept</a><a href="/trajectories?verdict=dropped">Dropped</a>\
        <a href="/trajectories?split=sft">SFT</a><a href="/trajectories?split=rl">RL</a></header>
        <main>
        \(body)
        </main>
        <script>
        document.addEventListener('keydown', function (e) {
          if (e.target.closest('input, select, textarea') || e.altKey || e.ctrlKey || e.metaKey) return;
          var rel = (e.key === 'ArrowRight' || e.key === 'j') ? 'next' : (e.key === 'ArrowLeft' || e.key === 'k') ? 'prev' : null;
          var a = rel && document.querySelector('a[rel="' + rel + '"]');
          if (a) { window.location.href = a.href; }
        });
        </script>
        </body></html>

        """
    }

    static let styleSheet = """
        form.filters { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 8px 10px; display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: end; }
        form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #5b6675; }
        form.filters input[type=number] { width: 5em; } form.filters input[type=search] { width: 16em; }
        table.browse td { font-size: 13px; } table.browse img { max-width: 72px; max-height: 72px; display: block; }
        .edits { display: flex; gap: 10px; overflow-x: auto; margin: 8px 0 14px; }
        .edits figure { margin: 0; flex: none; font-size: 12px; text-align: center; }
        .edits figure img { max-width: 256px; max-height: 256px; border: 3px solid transparent; display: block; }
        .edits figure.best img { border-color: #27ae60; } .edits figure.cut { opacity: 0.45; }
        pre.record { background: #fff; border: 1px solid #dde1e6; padding: 8px; white-space: pre-wrap; word-break: break-word; font-size: 12px; }

        """

    /// `/style.css`: the report's style sheet and serve's own rules.
    package static var styleSheetFile: String { HTML.styleSheet + styleSheet }

    static func thumb(_ image: ImageRecord?, alt: String) -> HTML {
        guard let image else { return #"<div class="missing">no image</div>"# }
        return #"<a href="/image/\#(image.hash)"><img src="/thumb/\#(image.hash)" alt="\#(alt)" loading="lazy"></a>"#
    }

    /// A URL query, for an attribute value: each value percent-encoded, the pairs joined by `&`.
    static func query(_ pairs: [(String, String)]) -> HTML {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#?/")
        return pairs.map { p -> HTML in "\(p.0)=\(p.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    static func trajectoryLink(_ id: String) -> HTML { "/trajectory?\(query([("id", id)]))" }
    static func sampleLink(_ trajectory: String, _ turn: Int) -> HTML { "/sample?\(query([("id", "\(trajectory)#\(turn)")]))" }

    // MARK: - Overview

    package static func overview(_ live: LiveOverview, facets: BrowseFacets, searchDocuments: Int) -> HTML {
        var b: HTML = "<h1>Run \(live.overview.status.workdir)</h1>"
        b += #"<p class="keys">Live: computed from the run database when it changes. Search index: \#(group(searchDocuments)) trajectories.</p>"#
        b += live.overview.sections
        b += "<h2>Browse trajectories</h2><table><tr><th>list</th><th class=\"num\">trajectories</th></tr>"
        let c = live.overview.counts
        var links: [(String, [(String, String)], Int)] = [("All", [], c.all), ("Kept", [("verdict", "kept")], c.kept),
                                                          ("Dropped", [("verdict", "dropped")], c.dropped)]
        for s in SplitMembership.allCases { links.append((s.listTitle, [("split", s.rawValue)], c.bySplit[s] ?? 0)) }
        for (task, n) in facets.tasks { links.append(("Task \(task)", [("task", task)], n)) }
        for (cls, n) in facets.failedClasses { links.append(("Failed: \(cls)", [("failed", cls)], n)) }
        for (title, params, n) in links {
            b += #"<tr><td><a href="/trajectories\#(params.isEmpty ? "" : "?\(query(params))" as HTML)">\#(title)</a></td>"#
            let key = "list." + (params.first.map { "\($0.0)=\($0.1)" } ?? "all")
            b += #"<td class="num">\#(HTML.figure(key, n))</td></tr>"#
        }
        b += "</table>"
        return page(title: "thinkedit serve", body: b)
    }

    // MARK: - Trajectory table

    package static func table(_ q: BrowseQuery, _ p: BrowsePage, facets: BrowseFacets) -> HTML {
        var b: HTML = #"<h1>Trajectories <small>(<span data-figure="matches" data-value="\#(p.total)">\#(group(p.total))</span> match)</small></h1>"#
        b += filterForm(q, facets)
        b += #"<table class="browse"><tr><th>trajectory</th><th>task</th><th>editor</th><th>status</th><th>filter</th><th>split</th>"#
        func sortHeader(_ s: BrowseQuery.Sort, _ label: String) -> HTML {
            var next = q
            next.after = nil
            let desc = q.sort == s ? !q.descending : (s != .id)
            next.sort = s
            next.descending = desc
            let mark = q.sort == s ? (q.descending ? " ▼" : " ▲") : ""
            return #"<th class="num"><a href="/trajectories?\#(query(next.parameters))">\#(label)\#(mark)</a></th>"#
        }
        b += sortHeader(.first, "O₁") + sortHeader(.best, "best O") + sortHeader(.variance, "V") + sortHeader(.turns, "turns")
        b += "<th>source</th><th>best edit</th><th>instruction T</th></tr>"
        for t in p.rows {
            let scores = t.turns.compactMap { u in u.score.map { (u, $0.overall) } }
            let first = t.turns.first(where: { $0.turn == 1 })?.score?.overall
            let best = scores.max { $0.1 < $1.1 }
            b += #"<tr data-id="\#(t.id)"><td><a href="\#(trajectoryLink(t.id))">\#(t.id)</a></td>"#
            b += "<td>\(t.task)</td><td>\(t.editor)</td>"
            b += "<td>\(t.status.rawValue)\(t.endReason.map { ", " + $0.rawValue } ?? "")\(t.errorClass.map { ": " + $0.rawValue } ?? "")</td>"
            b += "<td>\(TrajectoryPages.verdictBadge(t))</td><td>\(TrajectoryPages.splitBadge(t))</td>"
            b += #"<td class="num" data-field="first">\#(HTML.number(first))</td><td class="num" data-field="best">\#(HTML.number(best?.1))</td>"#
            b += #"<td class="num" data-field="variance">\#(HTML.number(t.variance))</td><td class="num">\#(t.turns.filter { $0.image != nil }.count)</td>"#
            b += "<td>\(thumb(t.sourceImage, alt: "source"))</td><td>\(best.map { thumb($0.0.image, alt: "turn \($0.0.turn)") } ?? "")</td>"
            b += "<td>\(HTML.short(t.instruction, 120))</td></tr>"
        }
        b += "</table>"
        if p.rows.isEmpty { b += "<p>No trajectory matches.</p>" }
        var pager: HTML = #"<div class="pager">"#
        if q.after != nil { pager += #"<a href="/trajectories?\#(query(q.parameters))">first page</a>"# }
        if let next = p.next {
            pager += #"<a rel="next" href="/trajectories?\#(query(q.parameters + [("after", next.text)]))">next page</a>"#
        }
        b += pager + "</div>"
        return page(title: "trajectories", body: b)
    }

    private static func filterForm(_ q: BrowseQuery, _ f: BrowseFacets) -> HTML {
        /// A drop-down of `values`, each with its count when it has one.
        func select(_ name: String, _ label: String, _ values: [(String, Int?)], _ current: String?) -> HTML {
            var s: HTML = #"<label>\#(label)<select name="\#(name)"><option value="">any</option>"#
            for (v, n) in values {
                s += #"<option value="\#(v)"\#(v == current ? " selected" : "")>\#(v)\#(n.map { " (\(group($0)))" } ?? "")</option>"#
            }
            return s + "</select></label>"
        }
        func counted(_ values: [(String, Int)]) -> [(String, Int?)] { values.map { ($0.0, $0.1) } }
        func number(_ name: String, _ label: String, _ v: Double?) -> HTML {
            #"<label>\#(label)<input type="number" step="any" name="\#(name)" value="\#(v.map { JSONNumber.format($0) } ?? "")"></label>"#
        }
        var b: HTML = #"<form class="filters" method="get" action="/trajectories">"#
        b += #"<label>search instructions and reasoning<input type="search" name="q" value="\#(q.text ?? "")"></label>"#
        b += select("task", "task", counted(f.tasks), q.task) + select("editor", "editor", counted(f.editors), q.editor)
        b += select("end", "end reason", counted(f.endReasons), q.endReason)
        b += select("verdict", "filter", BrowseQuery.Verdict.allCases.map { ($0.rawValue, nil) }, q.verdict?.rawValue)
        b += select("drop", "drop reason", counted(f.dropReasons), q.dropReason)
        b += select("split", "split", SplitMembership.allCases.map { ($0.rawValue, nil) }, q.split?.rawValue)
        b += select("failed", "failed class", counted(f.failedClasses), q.failedClass)
        b += number("first_min", "O₁ ≥", q.firstMin) + number("first_max", "O₁ ≤", q.firstMax)
        b += number("best_min", "best ≥", q.bestMin) + number("best_max", "best ≤", q.bestMax)
        b += number("var_min", "V ≥", q.varianceMin) + number("var_max", "V ≤", q.varianceMax)
        if q.sort != .id { b += #"<input type="hidden" name="sort" value="\#(q.sort.rawValue)">"# }
        if q.descending { b += #"<input type="hidden" name="dir" value="desc">"# }
        b += #"<button type="submit">filter</button> <a href="/trajectories">clear</a></form>"#
        return b
    }

    // MARK: - One sample

    package static func sample(_ p: ExportPreview) -> HTML {
        let row = p.record.row
        var b: HTML = "<h1>Sample \(row.id)</h1>"
        b += #"<p><a href="\#(trajectoryLink(row.trajectory))">trajectory \#(row.trajectory)</a></p><table>"#
        func field(_ k: String, _ v: HTML) { b += "<tr><th>\(k)</th><td>\(v)</td></tr>" }
        field("kind", "\(row.kind.rawValue)")
        field("split", #"<span data-field="split">\#(row.split.rawValue)</span>"#)
        field("task, editor", "\(row.task), \(row.editor)")
        field("critique score", "SC \(row.critiqueScore.semantic), PQ \(row.critiqueScore.quality), O \(HTML.number(row.critiqueScore.overall))")
        field("result score", row.resultScore.map { x -> HTML in "SC \(x.semantic), PQ \(x.quality), O \(HTML.number(x.overall))" } ?? "- (stop sample)")
        field("images", #"<div class="edits"><figure>\#(thumb(row.sourceImage, alt: "source"))<figcaption>source: \#(p.record.sourceImage)</figcaption></figure>"#
              + #"<figure>\#(thumb(row.inputImage, alt: "critiqued"))<figcaption>critiqued: \#(p.record.inputImage)</figcaption></figure></div>"#)
        field("user text", #"<pre class="record" data-field="user">\#(p.record.user)</pre>"#)
        field("target text", #"<pre class="record" data-field="target">\#(p.record.target)</pre>"#)
        b += "</table>"
        if !p.shrunk.isEmpty {
            b += "<p>\(p.shrunk.count) of its images exceed export.max_pixels: the export writes them shrunk, named by the hash of the shrunk bytes.</p>"
        }
        b += "<h2>What each export file holds for it</h2>"
        for e in p.entries {
            b += #"<h3>\#(e.format) — \#(row.split.rawValue)/\#(e.file)\#(e.configured ? "" : " (not in export.formats)")</h3>"#
            b += #"<pre class="record" data-format="\#(e.format)">\#(e.record)</pre>"#
        }
        return page(title: "sample \(row.id)", body: b)
    }
}
