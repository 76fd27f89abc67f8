import Foundation
import ThinkEditCore
import ThinkEditPipeline

/// Markup that is safe to put in a page: the only way text becomes HTML is by being escaped.
///
///     let h: HTML = "<td>\(name)</td>"   // `name` (a String, a number) is escaped; `<td>` is markup
///
/// A string literal written in the source is markup as it is; a `String` or any other value
/// interpolated into one is escaped (`& < > " '`, so it is safe in element content and in quoted
/// attribute values); an `HTML` interpolated is inserted as it is. `HTML(unsafeRaw:)` takes text
/// as markup unchecked: only for markup that no outside value reaches.
package struct HTML: ExpressibleByStringInterpolation, Sendable, Hashable {
    /// The markup.
    package private(set) var text: String

    /// `text` as markup, unchecked.
    package init(unsafeRaw text: String) { self.text = text }

    package init() { text = "" }

    package init(stringLiteral value: String) { text = value }

    package init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }

    package struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var text = ""

        package init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        package mutating func appendLiteral(_ literal: String) { text += literal }

        package mutating func appendInterpolation(_ html: HTML) { text += html.text }

        package mutating func appendInterpolation(_ value: String) { HTML.appendEscaped(value, to: &text) }

        package mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) { HTML.appendEscaped(value.description, to: &text) }
    }

    package var isEmpty: Bool { text.isEmpty }

    package static func + (a: HTML, b: HTML) -> HTML {
        var out = a
        out.text += b.text
        return out
    }

    package static func += (a: inout HTML, b: HTML) { a.text += b.text }

    /// The one escaping of the module: text for element content and quoted attribute values.
    private static func appendEscaped(_ s: String, to out: inout String) {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            out += s
            return
        }
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
    }
}

extension Sequence where Element == HTML {
    package func joined(separator: HTML = "") -> HTML {
        var out = HTML()
        var first = true
        for h in self {
            if !first { out += separator }
            out += h
            first = false
        }
        return out
    }
}

/// The text pieces every report page is made of: file names that any id can take, figures, the
/// page shell and the one shared style sheet. Nothing here refers outside the report folder.
extension HTML {
    /// The first `limit` characters of `s`, with an ellipsis when cut.
    static func short(_ s: String, _ limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(limit)) + "…"
    }

    /// A file name for any id or task name: letters, digits, `-` and `_` stay, every other byte
    /// becomes `~XX`, so two names never share a file. A name that would be too long for a file
    /// system is named `~~` + its SHA-256, which no escaped name can start with.
    static func slug(_ name: String) -> String {
        var out = ""
        for b in name.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += String(format: "~%02X", b)
            }
        }
        if out.isEmpty { return "~" }
        return out.utf8.count > 150 ? "~~" + ContentHash.sha256Hex(name) : out
    }

    /// A figure the tests and readers can find: the number shown grouped, the exact value in
    /// `data-value`, its name in `data-figure`.
    static func figure(_ key: String, _ n: Int) -> HTML {
        #"<span class="fig" data-figure="\#(key)" data-value="\#(n)">\#(group(n))</span>"#
    }

    static func figure(_ key: String, _ x: Double, decimals: Int) -> HTML {
        let shown = String(format: "%.\(decimals)f", x)
        return #"<span class="fig" data-figure="\#(key)" data-value="\#(JSONNumber.format(JSONNumber.round6(x)))">\#(shown)</span>"#
    }

    /// A number exactly, as the JSON the run writes holds it (rounded to 6 places); `-` for none.
    static func number(_ x: Double?) -> String {
        x.map { JSONNumber.format(JSONNumber.round6($0)) } ?? "-"
    }

    /// A whole page. `root` is the relative path from the page to the report folder (`""`, `"../"`).
    static func page(title: String, root: String, nav: HTML, body: HTML) -> HTML {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>\(title)</title>
        <link rel="stylesheet" href="\(root)style.css">
        </head><body>
        <header><a class="brand" href="\(root)index.html">thinkedit report</a>\(nav)</header>
        <main>
        \(body)
        </main></body></html>

        """
    }

    static let styleSheet = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232b; background: #f6f7f9; }
        header { background: #1d232b; color: #fff; padding: 8px 16px; display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: baseline; }
        header a { color: #cfe3ff; text-decoration: none; }
        header a.brand { color: #fff; font-weight: 600; margin-right: 12px; }
        main { padding: 12px 20px; max-width: 1400px; }
        h1 { font-size: 20px; margin: 8px 0 12px; } h2 { font-size: 16px; margin: 22px 0 8px; }
        table { border-collapse: collapse; background: #fff; margin: 4px 0 12px; }
        th, td { border: 1px solid #dde1e6; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #eef1f4; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; }
        .card { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 8px 12px; min-width: 150px; }
        .card .label { color: #5b6675; font-size: 12px; } .card .fig { font-size: 20px; font-weight: 600; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(640px, 1fr)); gap: 12px; }
        figure.chart-box { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; margin: 0; padding: 8px; }
        figure.chart-box figcaption { font-weight: 600; margin-bottom: 4px; }
        figure.chart-box p { color: #5b6675; font-size: 12px; margin: 4px 0 0; }
        svg .grid { stroke: #eceff2; } svg .axis { stroke: #8a94a3; }
        svg .tick, svg .legend { font-size: 10px; fill: #4a5360; } svg .axis-title { font-size: 11px; fill: #4a5360; }
        svg .marker { stroke: #c0392b; stroke-width: 2; stroke-dasharray: 4 3; } svg .marker-label { font-size: 11px; fill: #c0392b; }
        .pager { margin: 8px 0; } .pager a, .pager span { margin-right: 8px; }
        .filters { margin: 4px 0 10px; } .filters a { margin-right: 10px; }
        .row { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 6px 10px; margin-bottom: 10px; }
        .row-head { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: baseline; margin-bottom: 6px; }
        .row-head .tid { font-weight: 600; }
        .strip { display: flex; gap: 8px; overflow-x: auto; }
        .cell { width: 150px; flex: none; font-size: 12px; border-top: 3px solid transparent; padding-top: 2px; }
        .cell img { display: block; max-width: 96px; max-height: 96px; border: 1px solid #cdd3da; }
        .cell.best { border-top-color: #27ae60; } .cell.cut { opacity: 0.45; }
        .cell .instr { color: #1d232b; } .cell .why { color: #5b6675; font-style: italic; }
        .badge { display: inline-block; border-radius: 3px; padding: 0 6px; font-size: 12px; font-weight: 600; }
        .b-sft { background: #d6eaff; color: #0b4f8a; } .b-rl { background: #ffe3c7; color: #8a4b0b; }
        .b-none { background: #eceff2; color: #4a5360; } .b-kept { background: #d4f4dd; color: #17642e; }
        .b-dropped { background: #fbd9d5; color: #8a1f11; } .b-cut { background: #eceff2; color: #4a5360; }
        .missing { width: 96px; height: 64px; background: #eceff2; color: #8a94a3; font-size: 11px; display: flex; align-items: center; justify-content: center; }
        tr.cut td { color: #8a94a3; } tr.k td { background: #f0fbf3; }
        pre.text { white-space: pre-wrap; margin: 0; font: inherit; }
        table.turns img { max-width: 128px; max-height: 128px; display: block; }
        .turn { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 8px 12px; margin-bottom: 10px; }
        .turn.cut { opacity: 0.55; } .turn.best { border-left: 4px solid #27ae60; }
        .turn h3 { margin: 0 0 6px; font-size: 14px; }
        ins { background: #d4f4dd; text-decoration: none; } del { background: #fbd9d5; }
        .judge { color: #5b6675; font-size: 12px; } .keys { color: #5b6675; font-size: 12px; }

        """
}

extension SplitMembership {
    /// The title of the list of trajectories in this set: "In the SFT set", "In no split".
    var listTitle: String { self == .none ? "In no split" : "In the \(rawValue.uppercased()) set" }
    /// The badge's text: "SFT", "RL", "no split".
    var badgeLabel: String { self == .none ? "no split" : rawValue.uppercased() }
}
