import Foundation
import Testing
@testable import ThinkEditCore
@testable import ThinkEditImaging
@testable import ThinkEditPages
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// A small synthetic run through every stage, reported once with small pages (so that lists
/// have several), shared by the tests that only read the report.
struct ReportFixture: Sendable {
    let store: RunStore
    let folder: String
    static let pageSize = 4

    static let shared = Task { try await ReportFixture() }

    init() async throws {
        let dir = makeTempDir("report")
        write("""
            workdir: work
            seed: 11
            pool: {synth: {count: 18, seed: 4, image_size: 160}}
            generation: {max_turns: 4}
            rl: {min_variance: 0.5, trajectories: 3}
            sft: {samples: 12}
            backends:
              thinker: {kind: synthetic, concurrency: 2}
              scorer: {kind: synthetic, concurrency: 2}
              editor: {kind: synthetic, concurrency: 2}
            """, to: dir + "/c.yaml")
        let config = try RunConfig.load(path: dir + "/c.yaml")
        store = try RunStore.openForWriting(workdir: config.workdir)
        try await RunPipeline.run(StageContext(config: config, store: store) { _ in })
        folder = try ReportBuilder(store: store, pageSize: Self.pageSize).build().folder
    }

    func text(_ relative: String) throws -> String {
        try String(contentsOfFile: folder + "/" + relative, encoding: .utf8)
    }

    /// Every trajectory as the existing trajectory reader gives it, independent of the report's query.
    func trajectories() throws -> [Trajectory] {
        var out: [Trajectory] = []
        try store.forEachTrajectory { t, _ in out.append(t) }
        return out
    }

    /// The ids a list shows, page by page through its "next" links.
    func listIDs(_ key: String) throws -> [String] {
        var ids: [String] = []
        var page = 1
        while true {
            let html = try text(ReportList.file(key, page: page))
            ids += ReportHTMLScan.all(#"<div class="row" data-id="([^"]*)""#, in: html).map(ReportHTMLScan.unescape)
            guard html.contains(#"href="../\#(ReportList.file(key, page: page + 1))">next<"#) else { break }
            page += 1
        }
        return ids
    }
}

/// Reading numbers back out of the report's HTML.
enum ReportHTMLScan {
    static func all(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }

    /// The exact value of a `data-figure`.
    static func figure(_ key: String, in html: String) -> String? {
        all(#"data-figure="\#(NSRegularExpression.escapedPattern(for: key))" data-value="([^"]*)""#, in: html).first
    }

    /// The SVG of one chart.
    static func chart(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: #"<svg id="\#(id)""#), let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// `data-value` per (series, category) of a chart's bars or points.
    static func values(_ svg: String) -> [String: Double] {
        let regex = try! NSRegularExpression(pattern: #"data-series="([^"]*)" data-category="([^"]*)" data-value="([^"]*)""#)
        let ns = svg as NSString
        var out: [String: Double] = [:]
        for m in regex.matches(in: svg, range: NSRange(location: 0, length: ns.length)) {
            out[ns.substring(with: m.range(at: 1)) + "|" + ns.substring(with: m.range(at: 2))] = Double(ns.substring(with: m.range(at: 3)))
        }
        return out
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Every file under `folder`, relative to it.
    static func files(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []).filter {
            var dir: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &dir) && !dir.boolValue
        }
    }
}

@Suite struct ReportTests {
    @Test func overviewNumbersAreTheDatabaseCounts() async throws {
        let f = try await ReportFixture.shared.value
        let html = try f.text("index.html")
        let s = try f.store.snapshot()
        #expect(s.kept > 0 && s.samples > 0, "the fixture must exercise curation")
        let expected: [String: Int] = [
            "pool_items": s.poolItems, "trajectories.complete": s.trajectories[.complete] ?? 0, "turns": s.turns,
            "scored_turns": s.scoredTurns, "kept": s.kept, "samples": s.samples, "split.sft": s.split[.sft] ?? 0,
            "split.rl": s.split[.rl] ?? 0, "calls": s.calls, "prompt_tokens": s.promptTokens, "completion_tokens": s.completionTokens,
        ]
        for (key, value) in expected {
            #expect(ReportHTMLScan.figure(key, in: html) == String(value), "figure \(key)")
        }
        for (reason, n) in s.dropped {
            #expect(ReportHTMLScan.figure("dropped.\(reason)", in: html) == String(n), "dropped \(reason)")
        }
        let trajectories = try f.trajectories()
        #expect(ReportHTMLScan.figure("list.all", in: html) == String(trajectories.count))
        let statsText = try #require(try f.store.latestStageRuns()[.split]?.stats)
        let stats = try JSONDecoder().decode(SplitStatistics.self, from: Data(statsText.utf8))
        #expect(ReportHTMLScan.figure("sft.shortfall", in: html) == String(stats.sft.shortfall))
        #expect(ReportHTMLScan.figure("rl.selected", in: html) == String(stats.rl.selected))
        #expect(ReportHTMLScan.figure("rl.samples", in: html) == String(s.split[.rl] ?? 0))
    }

    @Test func scoreChartsCountEveryScoredTrajectoryAndTurn() async throws {
        let f = try await ReportFixture.shared.value
        let html = try f.text("index.html")
        let trajectories = try f.trajectories()
        let firstTurn = try #require(ReportHTMLScan.chart("chart-first-turn", in: html))
        var expectedBins: [String: Double] = [:]
        for t in trajectories {
            guard let o = t.turns.first?.score?.overall else { continue }
            let label = ScoreHistogram.labels[min(19, Int(JSONNumber.round6(o) / 0.5))]
            expectedBins["all|" + label, default: 0] += 1
        }
        let drawn = ReportHTMLScan.values(firstTurn).filter { $0.value > 0 }
        #expect(drawn == expectedBins)

        // The improvement curve: the mean overall of every scored turn t.
        let curve = ReportHTMLScan.values(try #require(ReportHTMLScan.chart("chart-turn-means", in: html)))
        var sums: [Int: (Double, Int)] = [:]
        for t in trajectories {
            for u in t.turns { if let o = u.score?.overall { sums[u.turn, default: (0, 0)].0 += o; sums[u.turn, default: (0, 0)].1 += 1 } }
        }
        #expect(!sums.isEmpty)
        for (turn, (sum, n)) in sums {
            let shown = try #require(curve["all scored turns|t\(turn)"])
            #expect(abs(shown - sum / Double(n)) < 0.005, "mean of turn \(turn)")
        }

        // Every step sample's critique score is drawn once; the variance chart holds every kept trajectory.
        let s = try f.store.snapshot()
        let critique = ReportHTMLScan.values(try #require(ReportHTMLScan.chart("chart-critique", in: html)))
        #expect(Int(critique.values.reduce(0, +)) == s.samples)
        let variance = ReportHTMLScan.values(try #require(ReportHTMLScan.chart("chart-variance", in: html)))
        #expect(Int(variance.values.reduce(0, +)) == s.kept)
        #expect(try #require(ReportHTMLScan.chart("chart-variance", in: html)).contains("rl.min_variance = 0.5"))
    }

    @Test func filterListsHoldExactlyTheirTrajectoriesInIdOrder() async throws {
        let f = try await ReportFixture.shared.value
        let trajectories = try f.trajectories()
        let allIDs = try f.listIDs("all")
        #expect(allIDs == trajectories.map(\.id))
        #expect(allIDs.count > ReportFixture.pageSize, "the fixture must need more than one page")

        for task in Set(trajectories.map(\.task)) {
            #expect(try f.listIDs("task-" + HTML.slug(task)) == trajectories.filter { $0.task == task }.map(\.id), "task \(task)")
        }
        let kept = trajectories.filter { TrajectoryFilter.decide(CurationTrajectory($0)).kept != nil }.map(\.id)
        #expect(try f.listIDs("kept") == kept)
        #expect(try f.listIDs("dropped") == trajectories.map(\.id).filter { !kept.contains($0) })

        var splitOf: [String: String] = [:]
        for m in try f.store.read(SplitMember.fetchAll) { splitOf[m.trajectory] = m.split.rawValue }
        for split in ["sft", "rl"] {
            let expected = trajectories.map(\.id).filter { splitOf[$0] == split }
            #expect(!expected.isEmpty, "the fixture must fill the \(split) set")
            #expect(try f.listIDs("split-" + split) == expected)
        }
        #expect(try f.listIDs("split-none") == trajectories.map(\.id).filter { splitOf[$0] == nil })
    }

    @Test func everyTrajectoryHasAPageMarkingTruncationAndSplit() async throws {
        let f = try await ReportFixture.shared.value
        var splitOf: [String: String] = [:]
        for m in try f.store.read(SplitMember.fetchAll) { splitOf[m.trajectory] = m.split.rawValue }
        for t in try f.trajectories() {
            let html = try f.text(TrajectoryPages.path(id: t.id))
            #expect(html.contains(#"data-split="\#(splitOf[t.id] ?? "none")""#), "split of \(t.id)")
            let decision = TrajectoryFilter.decide(CurationTrajectory(t))
            if let k = decision.kept {
                #expect(html.contains(#"<tr class="k" data-turn="\#(k.length)">"#), "k of \(t.id)")
                #expect(ReportHTMLScan.all(#"<tr class="cut" data-turn="(\d+)">"#, in: html).map { Int($0)! } == Array((k.length + 1)..<(t.turns.count + 1)))
                if t.stopReasoning != nil {
                    #expect(html.contains("<td>stop (cut)</td>") == (k.length < t.turns.count), "stop row of \(t.id)")
                }
            } else if let reason = decision.dropReason {
                #expect(html.contains("dropped: \(reason.rawValue)"), "drop reason of \(t.id)")
            }
            let overalls = ReportHTMLScan.all(#"data-field="overall">([^<]*)<"#, in: html)
            #expect(overalls == t.turns.compactMap { $0.score.map { JSONNumber.format(JSONNumber.round6($0.overall)) } })
        }
    }

    @Test func everyLinkResolvesInsideTheReportAndNothingPointsToTheNetwork() async throws {
        let f = try await ReportFixture.shared.value
        let files = ReportHTMLScan.files(f.folder)
        let pages = files.filter { $0.hasSuffix(".html") }
        #expect(pages.count > 10)
        var checked = 0
        for page in pages {
            let html = try f.text(page)
            #expect(!html.contains("http://") && !html.contains("https://"), "\(page) refers to the network")
            #expect(!html.contains("<script"), "\(page) holds a script")
            let base = (page as NSString).deletingLastPathComponent
            for link in ReportHTMLScan.all(#"(?:href|src)="([^"]*)""#, in: html) {
                let target = ((f.folder as NSString).appendingPathComponent(base) as NSString).appendingPathComponent(link)
                #expect(FileManager.default.fileExists(atPath: (target as NSString).standardizingPath), "\(page) links to missing \(link)")
                checked += 1
            }
        }
        #expect(checked > pages.count)
    }

    @Test func thumbnailsAreSmallJPEGsNamedByImageHash() async throws {
        let f = try await ReportFixture.shared.value
        let thumbs = ReportHTMLScan.files(f.folder + "/thumbs")
        var hashes = Set<String>()
        for t in try f.trajectories() {
            hashes.insert(t.sourceImage)
            for image in t.turns.compactMap(\.image) { hashes.insert(image) }
        }
        #expect(Set(thumbs.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }) == hashes)
        for file in thumbs {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: f.folder + "/thumbs/" + file)))
            let info = try ImageCodec.info(bytes, name: file)
            #expect(info.format == .jpeg)
            #expect(max(info.width, info.height) <= Thumbnails.longSide, "\(file) is \(info.width)x\(info.height)")
            #expect(bytes.count < 8_000, "\(file) has \(bytes.count) bytes")
        }
    }

    @Test func rerunReplacesTheWholeReportAndReusesThumbnails() async throws {
        let fixture = try ExportFixture()
        let builder = ReportBuilder(store: fixture.run.store, pageSize: 2)
        let folder = try builder.build().folder
        // Not filtered yet: every trajectory listed, none kept, the kept list still has its page.
        #expect(try String(contentsOfFile: folder + "/lists/kept-1.html", encoding: .utf8).contains("No trajectory in this list."))
        let thumb = try #require(ReportHTMLScan.files(folder + "/thumbs").first)
        let before = try FileManager.default.attributesOfItem(atPath: folder + "/thumbs/" + thumb)[.systemFileNumber] as? Int

        try await StageRunner.run(SplitStage(), fixture.context)
        _ = try builder.build()
        let after = try FileManager.default.attributesOfItem(atPath: folder + "/thumbs/" + thumb)[.systemFileNumber] as? Int
        #expect(before != nil && before == after, "the thumbnail is linked from the old report, not made again")
        let kept = try String(contentsOfFile: folder + "/lists/kept-1.html", encoding: .utf8)
        #expect(kept.contains(#"data-id="a-rl""#) && !kept.contains(#"data-id="c-worse""#))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.run.config.workdir).filter { $0.hasPrefix(".report-") }
        #expect(leftovers.isEmpty)
    }

    @Test func fileNamesKeepEveryIdApart() {
        let ids = ["a/b", "a~2Fb", "a b", "a_b", "..", "", String(repeating: "x", count: 400), "é"]
        let slugs = ids.map(HTML.slug)
        #expect(Set(slugs).count == ids.count)
        for s in slugs {
            #expect(s.utf8.count <= 150 && !s.contains("/") && !s.hasPrefix("."))
        }
    }
}
