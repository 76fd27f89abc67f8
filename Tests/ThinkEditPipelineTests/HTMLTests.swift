import Testing
@testable import ThinkEditCore
@testable import ThinkEditPages
@testable import ThinkEditPipeline

/// The page type escapes what is interpolated into it, and inserts markup it already holds as it is.
@Suite struct HTMLTests {
    @Test func interpolatedTextIsEscapedAndMarkupIsNot() {
        let name = #"<a href='x'>&"y""#
        let cell: HTML = "<td>\(name)</td>"
        #expect(cell.text == "<td>&lt;a href=&#39;x&#39;&gt;&amp;&quot;y&quot;</td>")
        let row: HTML = "<tr>\(cell)\(3)</tr>"
        #expect(row.text == "<tr>" + cell.text + "3</tr>")
        let attribute: HTML = #"<span title="\#(name)">"#
        #expect(!attribute.text.dropFirst(13).dropLast(2).contains { "<>\"'".contains($0) })
        #expect(([cell, "<br>"] as [HTML]).joined(separator: " ").text == cell.text + " <br>")
        var b: HTML = "a"
        b += "\(name)" + "<b>"
        #expect(b.text == "a&lt;a href=&#39;x&#39;&gt;&amp;&quot;y&quot;<b>")
        #expect(HTML(unsafeRaw: "<svg/>").text == "<svg/>")
    }

    /// The report's and serve's trajectory pages are one page: the same sections, linked per site.
    @Test func oneTrajectoryPageForTheReportAndServe() {
        let t = ReportTrajectory(
            id: "a<b>#1", task: "color_alter", instruction: "make the car red", editor: "e", status: .complete, endReason: .stop,
            stopReasoning: "done & good", errorClass: nil, sourceImage: nil,
            turns: [ReportTurn(turn: 1, instruction: "make the car red", reasoning: nil, image: nil,
                               score: Score(semantic: ScoreNumber(4), quality: ScoreNumber(9)), judge: nil),
                    ReportTurn(turn: 2, instruction: "paint the whole car red", reasoning: "only the <hood>", image: nil,
                               score: Score(semantic: ScoreNumber(8), quality: ScoreNumber(8)), judge: nil)],
            kept: true, dropReason: nil, k: 1, variance: 0.25,
            samples: [ReportSample(turn: 2, kind: .refine, split: .sft)])
        let report = TrajectoryPages.page(t, on: .report(listPage: "lists/all-1.html", missing: [])).text
        let serve = TrajectoryPages.page(t, on: .serve(previous: nil, next: "b")).text
        for page in [report, serve] {
            #expect(page.contains("<h1>Trajectory a&lt;b&gt;#1</h1>"))
            #expect(page.contains(#"<tr class="k" data-turn="1">"#) && page.contains(#"<tr class="cut" data-turn="2">"#))
            #expect(page.contains(#"<div class="turn cut" data-turn="2">"#))
            #expect(page.contains("<del>make</del> <ins>paint</ins> the <ins>whole</ins> car red"))
            #expect(page.contains("only the &lt;hood&gt;") && page.contains("done &amp; good"))
        }
        #expect(report.contains(#"<a href="../lists/all-1.html">back to the list</a>"#) && !report.contains("/sample?"))
        #expect(serve.contains(#"<a rel="next" href="/trajectory?id=b">"#) && serve.contains(#"<a class="sample" href="/sample?id=a%3Cb%3E%231%232">"#))
    }
}
