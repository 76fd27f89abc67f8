import Foundation
import ThinkEditCore
import ThinkEditPipeline

/// One named series of a chart: its values per category, drawn in `color`.
struct ChartSeries {
    var name: String
    var color: String
    /// One value per category; nil draws nothing (a line chart skips the point).
    var values: [Double?]
}

/// Inline SVG charts drawn from numbers alone: grouped or stacked bars and lines, with a y axis,
/// category labels, a legend and an optional vertical marker (the RL threshold). Every bar and
/// point carries `data-series`, `data-category` and `data-value`, and a `<title>` tooltip, so
/// the figures can be read back from the page (the report's tests do) and hovered in a browser.
struct SVGChart {
    enum Kind { case groupedBars, stackedBars, lines }

    var id: String
    var kind: Kind
    var categories: [String]
    var series: [ChartSeries]
    var xLabel: String
    var yLabel: String
    /// Marker position in category units (0 = left edge of the first category) and its label.
    var marker: (position: Double, label: String)?
    /// Values shown with this many decimals in labels (0 for counts).
    var decimals = 0
    /// A fixed top of the y axis (e.g. 10 for scores); nil fits the data.
    var yMax: Double?

    private let width = 620.0, height = 260.0
    private let left = 56.0, right = 12.0, top = 28.0, bottom = 52.0

    init(id: String, kind: Kind, categories: [String], series: [ChartSeries], xLabel: String, yLabel: String,
         marker: (position: Double, label: String)? = nil, decimals: Int = 0, yMax: Double? = nil) {
        self.id = id
        self.kind = kind
        self.categories = categories
        self.series = series
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.marker = marker
        self.decimals = decimals
        self.yMax = yMax
    }

    var svg: HTML {
        let plotW = width - left - right, plotH = height - top - bottom
        let n = max(1, categories.count)
        let slot = plotW / Double(n)
        let peak: Double = {
            if let yMax { return yMax }
            switch kind {
            case .stackedBars:
                return (0..<n).map { c in series.reduce(0) { $0 + (c < $1.values.count ? $1.values[c] ?? 0 : 0) } }.max() ?? 0
            case .groupedBars, .lines:
                return series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
            }
        }()
        let axisTop = Self.niceCeiling(max(peak, 1))
        func y(_ v: Double) -> Double { top + plotH - plotH * min(v, axisTop) / axisTop }

        var out: HTML = #"<svg id="\#(id)" class="chart" viewBox="0 0 \#(Int(width)) \#(Int(height))" width="\#(Int(width))" height="\#(Int(height))" role="img">"#
        // Inline SVG in HTML needs no namespace attribute, so the report holds no URL at all.
        // Grid lines and y ticks.
        // Five intervals: every axis top niceCeiling gives (1, 2, 2.5, 5 × 10^k) splits into round steps.
        for i in 0...5 {
            let v = axisTop * Double(i) / 5
            let yy = y(v)
            out += #"<line class="grid" x1="\#(f(left))" y1="\#(f(yy))" x2="\#(f(width - right))" y2="\#(f(yy))"/>"#
            out += #"<text class="tick" x="\#(f(left - 6))" y="\#(f(yy + 4))" text-anchor="end">\#(label(v, axis: true))</text>"#
        }
        // Category labels, thinned so they never overlap.
        let every = max(1, Int((Double(n) * 34 / plotW).rounded(.up)))
        for (c, name) in categories.enumerated() where c % every == 0 {
            let x = left + slot * (Double(c) + 0.5)
            out += #"<text class="tick" x="\#(f(x))" y="\#(f(top + plotH + 14))" text-anchor="middle">\#(name)</text>"#
        }
        switch kind {
        case .groupedBars, .stackedBars:
            let groupW = slot * 0.8
            let barW = kind == .stackedBars ? groupW : groupW / Double(max(1, series.count))
            for c in 0..<categories.count {
                var base = 0.0
                for (s, ser) in series.enumerated() {
                    let v = c < ser.values.count ? ser.values[c] ?? 0 : 0
                    let x0 = left + slot * Double(c) + slot * 0.1 + (kind == .stackedBars ? 0 : barW * Double(s))
                    let yTop = y(base + v), yBottom = y(base)
                    out += #"<rect class="bar" x="\#(f(x0))" y="\#(f(yTop))" width="\#(f(max(0.5, barW - 1)))" height="\#(f(max(0, yBottom - yTop)))" fill="\#(ser.color)" "#
                        + #"data-series="\#(ser.name)" data-category="\#(categories[c])" data-value="\#(label(v, axis: false))">"#
                        + "<title>\(ser.name), \(categories[c]): \(label(v, axis: false))</title></rect>"
                    if kind == .stackedBars { base += v }
                }
            }
        case .lines:
            for ser in series {
                var points: [String] = []
                for (c, v) in ser.values.enumerated() {
                    guard let v else { continue }
                    let x = left + slot * (Double(c) + 0.5)
                    points.append("\(f(x)),\(f(y(v)))")
                    out += #"<circle class="point" cx="\#(f(x))" cy="\#(f(y(v)))" r="3.5" fill="\#(ser.color)" "#
                        + #"data-series="\#(ser.name)" data-category="\#(categories[c])" data-value="\#(label(v, axis: false))">"#
                        + "<title>\(ser.name), \(categories[c]): \(label(v, axis: false))</title></circle>"
                }
                if points.count > 1 {
                    out += #"<polyline class="line" fill="none" stroke="\#(ser.color)" stroke-width="2" points="\#(points.joined(separator: " "))"/>"#
                }
            }
        }
        if let marker {
            let x = left + slot * marker.position
            out += #"<line class="marker" x1="\#(f(x))" y1="\#(f(top - 4))" x2="\#(f(x))" y2="\#(f(top + plotH))"/>"#
            out += #"<text class="marker-label" x="\#(f(x + 4))" y="\#(f(top + 8))">\#(marker.label)</text>"#
        }
        // Axes, axis titles, legend.
        out += #"<line class="axis" x1="\#(f(left))" y1="\#(f(top + plotH))" x2="\#(f(width - right))" y2="\#(f(top + plotH))"/>"#
        out += #"<text class="axis-title" x="\#(f(left + plotW / 2))" y="\#(f(height - 8))" text-anchor="middle">\#(xLabel)</text>"#
        out += #"<text class="axis-title" transform="translate(14 \#(f(top + plotH / 2))) rotate(-90)" text-anchor="middle">\#(yLabel)</text>"#
        var lx = left
        for ser in series where series.count > 1 || kind == .lines {
            out += #"<rect x="\#(f(lx))" y="8" width="10" height="10" fill="\#(ser.color)"/>"#
            out += #"<text class="legend" x="\#(f(lx + 14))" y="17">\#(ser.name)</text>"#
            lx += 22 + Double(ser.name.count) * 6.5
        }
        out += "</svg>"
        return out
    }

    private func f(_ x: Double) -> String { String(format: "%.1f", x) }

    private func label(_ v: Double, axis: Bool) -> String {
        if decimals == 0 && v == v.rounded() { return String(Int(v)) }
        return String(format: "%.\(axis ? max(1, decimals) : max(decimals, 2))f", v)
    }

    /// The smallest of 1, 2, 2.5, 5 × 10^k at or above `x` (a round axis top).
    static func niceCeiling(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let p = pow(10, floor(log10(x)))
        for m in [1.0, 2, 2.5, 5, 10] where m * p >= x { return m * p }
        return 10 * p
    }
}
