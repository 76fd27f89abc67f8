import Foundation
import ThinkEditPipeline
import ThinkEditCore
import ThinkEditStore

/// The browser's HTML: a trajectory as a row of thumbnails on list pages, and as a page of its own
/// with every turn's full text and scores. Both mark the truncation point `k` (turns after it are
/// dimmed, "cut") and the split the trajectory's samples went to.
enum TrajectoryPages {
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

    /// The page of one trajectory. `listPage` is the path of the "all" list page that shows it.
    static func page(_ t: ReportTrajectory, listPage: String, missing: Set<String>) -> HTML {
        let root = "../"
        var b: HTML = "<h1>Trajectory \(t.id)</h1>"
        b += #"<p><a href="\#(root)\#(listPage)">back to the list</a></p>"#
        b += "<table>"
        func field(_ k: String, _ v: HTML) { b += "<tr><th>\(k)</th><td>\(v)</td></tr>" }
        field("task", "\(t.task)")
        field("editor", "\(t.editor)")
        field("status", "\(t.status.rawValue + (t.errorClass.map { " (" + $0.rawValue + ")" } ?? ""))")
        field("end reason", "\(t.endReason?.rawValue ?? "-")")
        field("filter", verdictBadge(t))
        field("split", splitBadge(t))
        field("variance V", t.variance.map { v -> HTML in #"<span data-field="variance">\#(JSONNumber.format(JSONNumber.round6(v)))</span>"# } ?? "-")
        field("instruction T", #"<pre class="text">\#(t.instruction)</pre>"#)
        b += "</table>"
        b += "<h2>Source</h2>"
        b += thumbnail(t.sourceImage, root: root, missing: missing, alt: "source")
        b += "<h2>Turns</h2><table><tr><th>t</th><th>edit</th><th>instruction T<sub>t</sub></th><th>reasoning R<sub>t</sub></th>"
        b += #"<th class="num">SC (success, over-edit)</th><th class="num">PQ (natural, artifacts)</th><th class="num">O</th><th>samples</th></tr>"#
        let samples = Dictionary(grouping: t.samples, by: \.turn)
        for u in t.turns {
            let cls = turnClass(t, u.turn)
            b += #"<tr class="\#(cls == "best" ? "k" : cls)" data-turn="\#(u.turn)"><td>\#(u.turn)\#(cls == "best" ? " (k)" : cls == "cut" ? " (cut)" : "")</td>"#
            b += "<td>\(thumbnail(u.image, root: root, missing: missing, alt: "turn \(u.turn)"))</td>"
            b += #"<td><pre class="text">\#(u.instruction)</pre></td><td><pre class="text">\#(u.reasoning ?? "")</pre></td>"#
            if let s = u.score {
                let sub = u.judge.map { " (\($0.success), \($0.overEditing))" } ?? ""
                let pq = u.judge.map { " (\($0.naturalness), \($0.artifacts))" } ?? ""
                b += #"<td class="num">\#(s.semantic)\#(sub)</td><td class="num">\#(s.quality)\#(pq)</td>"#
                b += #"<td class="num" data-field="overall">\#(JSONNumber.format(JSONNumber.round6(s.overall)))</td>"#
            } else {
                b += #"<td class="num">-</td><td class="num">-</td><td class="num">-</td>"#
            }
            b += "<td>\(sampleText(samples[u.turn] ?? []))</td></tr>"
        }
        if let stop = t.stopReasoning {
            let k = t.turns.count + 1
            // The expert's stop came after the last turn: when truncation cut that turn, it is cut too.
            let cut = t.kept == true && (t.k ?? 0) < t.turns.count
            b += #"<tr class="\#(cut ? "cut" : "")"><td>stop\#(cut ? " (cut)" : "")</td><td></td><td>(keeps T<sub>\#(t.turns.count)</sub>)</td><td><pre class="text">\#(stop)</pre></td>"#
            b += "<td></td><td></td><td></td><td>\(sampleText(samples[k] ?? []))</td></tr>"
        }
        b += "</table>"
        return HTML.page(title: "trajectory \(t.id)", root: root, nav: ReportNav.links(root: root), body: b)
    }

    static func sampleText(_ samples: [ReportSample]) -> HTML {
        samples.map { s in
            let split = s.split.map { x -> HTML in #" → <span class="badge b-\#(x.rawValue)">\#(x.rawValue.uppercased())</span>"# } ?? " (not selected)"
            return "#\(s.turn) \(s.kind.rawValue)\(split)"
        }.joined(separator: "<br>")
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
