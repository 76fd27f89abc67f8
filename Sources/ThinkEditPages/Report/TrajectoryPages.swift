import Foundation
import ThinkEditCore
import ThinkEditPipeline
import ThinkEditStore

/// A trajectory in HTML: a row of thumbnails on the report's list pages, and a page of its own,
/// one page for the report and for serve (`TrajectorySite` says which). Both mark the truncation
/// point `k` (turns after it are dimmed, "cut") and the split the trajectory's samples went to.
package enum TrajectoryPages {
    /// The page of a trajectory, relative to the report folder.
    static func path(id: String) -> String { "t/\(HTML.slug(id)).html" }

    static func verdictBadge(_ t: ReportTrajectory) -> HTML {
        switch t.kept {
        case true?: return #"<span class="badge b-kept">kept, k = \#(t.k ?? 0)</span>"#
        case false?: return #"<span class="badge b-dropped">dropped: \#(t.dropReason?.rawValue ?? "?")</span>"#
        case nil: return #"<span class="badge b-none">not filtered</span>"#
        }
    }

    static func splitBadge(_ t: ReportTrajectory) -> HTML {
        let s = t.split
        return #"<span class="badge b-\#(s.rawValue)" data-split="\#(s.rawValue)">\#(s.badgeLabel)</span>"#
    }

    static func scoreText(_ s: Score?) -> String {
        guard let s else { return "unscored" }
        return "O \(String(format: "%.2f", s.overall)) (SC \(s.semantic) / PQ \(s.quality))"
    }

    static func thumbnail(_ image: ImageRecord?, root: String, missing: Set<String>, alt: String) -> HTML {
        guard let image else { return #"<div class="missing">no image</div>"# }
        if missing.contains(image.hash) { return #"<div class="missing">unreadable</div>"# }
        return #"<img src="\#(root)\#(Thumbnails.relativePath(hash: image.hash))" alt="\#(alt)" loading="lazy">"#
    }

    /// A turn's place relative to the truncation: `best` at k, `cut` after it.
    static func turnClass(_ t: ReportTrajectory, _ turn: Int) -> String {
        guard t.kept == true, let k = t.k else { return "" }
        return turn == k ? "best" : turn > k ? "cut" : ""
    }

    /// One trajectory on a list page (the list pages live one folder down: `root` is `../`).
    static func row(_ t: ReportTrajectory, root: String, missing: Set<String>) -> HTML {
        var out: HTML = #"<div class="row" data-id="\#(t.id)"><div class="row-head">"#
        out += #"<a class="tid" href="\#(root)\#(path(id: t.id))">\#(t.id)</a>"#
        out += "<span>\(t.task)</span><span>\(t.editor)</span>"
        out += verdictBadge(t) + splitBadge(t)
        if let v = t.variance { out += "<span>V = \(String(format: "%.3f", v))</span>" }
        out += "<span>\(t.status.rawValue)\(t.endReason.map { ", " + $0.rawValue } ?? "")\(t.errorClass.map { ": " + $0.rawValue } ?? "")</span>"
        out += "</div><div>T: \(HTML.short(t.instruction, 160))</div><div class=\"strip\">"
        out += #"<div class="cell">\#(thumbnail(t.sourceImage, root: root, missing: missing, alt: "source"))<div>source</div></div>"#
        for u in t.turns {
            let cls = turnClass(t, u.turn)
            out += #"<div class="cell \#(cls)">\#(thumbnail(u.image, root: root, missing: missing, alt: "turn \(u.turn)"))"#
            out += "<div><b>t\(u.turn)</b>\(cls == "best" ? " = k" : cls == "cut" ? " (cut)" : "") · \(scoreText(u.score))</div>"
            out += #"<div class="instr">\#(HTML.short(u.instruction, 90))</div>"#
            if let r = u.reasoning, !r.isEmpty { out += #"<div class="why">\#(HTML.short(r, 110))</div>"# }
            out += "</div>"
        }
        out += "</div></div>\n"
        return out
    }

    /// The page of one trajectory, in the report or in serve (`site` says which, and so how it
    /// links): its fields, a table of its turns (image, scores, samples; `k` and the cut turns
    /// marked), and each turn's instruction as a word diff from the one before, with the expert's
    /// reasoning and the judge's.
    package static func page(_ t: ReportTrajectory, on site: TrajectorySite) -> HTML {
        var b: HTML = "<h1>Trajectory \(t.id)</h1>"
        b += site.navigation
        b += "<table>"
        func field(_ k: String, _ v: HTML) { b += "<tr><th>\(k)</th><td>\(v)</td></tr>" }
        field("task", site.taskLink(t.task))
        field("editor", "\(t.editor)")
        field("status", "\(t.status.rawValue + (t.errorClass.map { " (" + $0.rawValue + ")" } ?? ""))")
        field("end reason", "\(t.endReason?.rawValue ?? "-")")
        field("filter", verdictBadge(t))
        field("split", splitBadge(t))
        field("variance V", #"<span data-field="variance">\#(HTML.number(t.variance))</span>"#)
        field("instruction T", #"<pre class="text" data-field="instruction">\#(t.instruction)</pre>"#)
        b += "</table>"
        b += "<h2>Source</h2>"
        b += site.image(t.sourceImage, alt: "source")

        b += #"<h2>Turns</h2><table class="turns"><tr><th>t</th><th>edit</th>"#
        b += #"<th class="num">SC (success, over-edit)</th><th class="num">PQ (natural, artifacts)</th><th class="num">O</th><th>samples</th></tr>"#
        let samples = Dictionary(grouping: t.samples, by: \.turn)
        for u in t.turns {
            let cls = turnClass(t, u.turn)
            b += #"<tr class="\#(cls == "best" ? "k" : cls)" data-turn="\#(u.turn)"><td>\#(u.turn)\#(cls == "best" ? " (k)" : cls == "cut" ? " (cut)" : "")</td>"#
            b += "<td>\(site.image(u.image, alt: "turn \(u.turn)"))</td>"
            if let s = u.score {
                let sub = u.judge.map { " (\($0.success), \($0.overEditing))" } ?? ""
                let pq = u.judge.map { " (\($0.naturalness), \($0.artifacts))" } ?? ""
                b += #"<td class="num">\#(s.semantic)\#(sub)</td><td class="num">\#(s.quality)\#(pq)</td>"#
                b += #"<td class="num" data-field="overall">\#(HTML.number(s.overall))</td>"#
            } else {
                b += #"<td class="num">-</td><td class="num">-</td><td class="num">-</td>"#
            }
            b += "<td>\(sampleList(t, samples[u.turn] ?? [], on: site))</td></tr>"
        }
        // The expert's stop came after the last turn: when truncation cut that turn, it is cut too.
        let stopCut = t.kept == true && (t.k ?? 0) < t.turns.count
        if t.stopReasoning != nil {
            b += #"<tr class="\#(stopCut ? "cut" : "")"><td>stop\#(stopCut ? " (cut)" : "")</td><td>(keeps T<sub>\#(t.turns.count)</sub>)</td>"#
            b += "<td></td><td></td><td></td><td>\(sampleList(t, samples[t.turns.count + 1] ?? [], on: site))</td></tr>"
        }
        b += "</table>"

        b += "<h2>Instructions and reasoning</h2>"
        var previousText = t.instruction
        for u in t.turns {
            let cls = turnClass(t, u.turn)
            b += #"<div class="turn \#(cls)" data-turn="\#(u.turn)"><h3>Turn \#(u.turn)\#(cls == "best" ? " (k, the best)" : cls == "cut" ? " (cut by the filter)" : "")</h3>"#
            b += #"<p><b>T<sub>\#(u.turn)</sub></b> (changes from \#(u.turn == 1 ? "T" : "T<sub>\(u.turn - 1)</sub>" as HTML)): "#
            b += diff(WordDiff.diff(previousText, u.instruction)) + "</p>"
            if let r = u.reasoning, !r.isEmpty { b += #"<div><b>R<sub>\#(u.turn)</sub></b> <pre class="text">\#(r)</pre></div>"# }
            if let r = u.semanticReasoning, !r.isEmpty { b += #"<p class="judge">judge, semantics: \#(r)</p>"# }
            if let r = u.qualityReasoning, !r.isEmpty { b += #"<p class="judge">judge, quality: \#(r)</p>"# }
            b += "</div>"
            previousText = u.instruction
        }
        if let stop = t.stopReasoning {
            b += #"<div class="turn \#(stopCut ? "cut" : "")"><h3>Stop\#(stopCut ? " (cut by the filter)" : "")</h3><pre class="text">\#(stop)</pre></div>"#
        }
        return site.page(title: "trajectory \(t.id)", body: b)
    }

    /// A word diff: removed words struck, inserted ones marked.
    static func diff(_ pieces: [WordDiff.Piece]) -> HTML {
        pieces.map { p -> HTML in
            switch p {
            case .same(let w): "\(w)"
            case .removed(let w): "<del>\(w)</del>"
            case .inserted(let w): "<ins>\(w)</ins>"
            }
        }.joined(separator: " ")
    }

    /// A turn's samples, with the split each went to; linked to its page where the site has one.
    static func sampleList(_ t: ReportTrajectory, _ samples: [ReportSample], on site: TrajectorySite) -> HTML {
        samples.map { s -> HTML in
            let split = s.split.map { x -> HTML in #" → <span class="badge b-\#(x.rawValue)">\#(x.rawValue.uppercased())</span>"# } ?? " (not selected)"
            let label: HTML = "#\(s.turn) \(s.kind.rawValue)"
            guard s.split != nil, let link = site.sampleLink(t.id, s.turn) else { return label + split }
            return #"<a class="sample" href="\#(link)">\#(label)</a>"# + split
        }.joined(separator: "<br>")
    }
}

/// Where a trajectory page is shown, and so what its links are.
package enum TrajectorySite {
    /// The static report: the page is `t/<slug>.html`, one folder down; `listPage` is the list
    /// page that shows the trajectory; images are the report's thumbnails, those in `missing` a
    /// placeholder. The report has no sample pages.
    case report(listPage: String, missing: Set<String>)
    /// `thinkedit serve`: `/trajectory?id=`, with links to the trajectories before and after it
    /// in id order, to the table of its task and to its samples' pages.
    case serve(previous: String?, next: String?)

    /// The links under the title: back to the list, or previous / next.
    var navigation: HTML {
        switch self {
        case .report(let listPage, _):
            return #"<p><a href="../\#(listPage)">back to the list</a></p>"#
        case .serve(let previous, let next):
            var b: HTML = #"<p class="pager">"#
            if let previous { b += #"<a rel="prev" href="\#(ServePages.trajectoryLink(previous))">← previous (\#(previous))</a>"# }
            if let next { b += #"<a rel="next" href="\#(ServePages.trajectoryLink(next))">next (\#(next)) →</a>"# }
            return b + #"<span class="keys">keys: ← / → or k / j</span></p>"#
        }
    }

    func image(_ image: ImageRecord?, alt: String) -> HTML {
        switch self {
        case .report(_, let missing): TrajectoryPages.thumbnail(image, root: "../", missing: missing, alt: alt)
        case .serve: ServePages.thumb(image, alt: alt)
        }
    }

    func taskLink(_ task: String) -> HTML {
        switch self {
        case .report: "\(task)"
        case .serve: #"<a href="/trajectories?\#(ServePages.query([("task", task)]))">\#(task)</a>"#
        }
    }

    func sampleLink(_ trajectory: String, _ turn: Int) -> HTML? {
        switch self {
        case .report: nil
        case .serve: ServePages.sampleLink(trajectory, turn)
        }
    }

    func page(title: String, body: HTML) -> HTML {
        switch self {
        case .report: HTML.page(title: title, root: "../", nav: ReportNav.links(root: "../"), body: body)
        case .serve: ServePages.page(title: title, body: body)
        }
    }
}

/// The links in every page's header.
enum ReportNav {
    static func links(root: String) -> HTML {
        [("Overview", "index.html"), ("All", ReportList.file("all", page: 1)), ("Kept", ReportList.file("kept", page: 1)),
         ("Dropped", ReportList.file("dropped", page: 1)), ("SFT", ReportList.file("split-sft", page: 1)),
         ("RL", ReportList.file("split-rl", page: 1)), ("No split", ReportList.file("split-none", page: 1))]
            .map { l -> HTML in #"<a href="\#(root)\#(l.1)">\#(l.0)</a>"# }.joined()
    }
}
