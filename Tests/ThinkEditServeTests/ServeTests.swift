import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditImaging
@testable import ThinkEditPages
@testable import ThinkEditPipeline
@testable import ThinkEditServe
@testable import ThinkEditStore
@testable import ThinkEditSynthetic
import ThinkEditTestSupport

/// A small synthetic run through every stage, served read-only; shared by the tests that only read.
struct ServeFixture: Sendable {
    let config: RunConfig
    let site: ServeSite

    static let shared = Task { try await ServeFixture() }

    init() async throws {
        let (config, writer) = try Self.newRun("thinkedit-serve", count: 24)
        self.config = config
        try await RunPipeline.run(StageContext(config: config, store: writer) { _ in })
        site = try ServeSite.open(config: config)
    }

    /// A folder with a synthetic config of `count` items, loaded, and its run opened to write.
    static func newRun(_ name: String, count: Int) throws -> (config: RunConfig, writer: RunStore) {
        let dir = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try config(count: count).write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let config = try RunConfig.load(path: dir + "/c.yaml")
        return (config, try RunStore.openForWriting(workdir: config.workdir))
    }

    static func config(count: Int) -> String {
        """
        workdir: work
        seed: 11
        pool: {synth: {count: \(count), seed: 4, image_size: 96}}
        generation: {max_turns: 4}
        rl: {min_variance: 0.5, trajectories: 3}
        sft: {samples: 12}
        backends:
          thinker: {kind: synthetic, concurrency: 2}
          scorer: {kind: synthetic, concurrency: 2}
          editor: {kind: synthetic, concurrency: 2}
        """
    }

    /// Every trajectory as the report's reader gives it, in id order.
    func all() throws -> [ReportTrajectory] {
        var out: [ReportTrajectory] = []
        try site.store.forEachReportPage(pageSize: 100, start: { _ in }) { out += $0 }
        return out
    }
}

/// Reading values back out of the pages.
enum Scan {
    static func all(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The `href` of the link marked `rel="next"`, unescaped.
    static func next(in html: String) -> String? {
        all(#"<a rel="next" href="([^"]*)""#, in: html).first.map(unescape)
    }
}

func encoded(_ s: String) -> String {
    var allowed = CharacterSet.urlQueryAllowed
    allowed.remove(charactersIn: "&=+#?/")
    return s.addingPercentEncoding(withAllowedCharacters: allowed)!
}

@Suite struct ServeTests {
    func app(_ site: ServeSite) -> some ApplicationProtocol {
        Application(router: ServeApplication.router(site: site))
    }

    /// The ids a table shows, following its next-page links to the end.
    func tableIDs(_ client: some TestClientProtocol, _ first: String) async throws -> (ids: [String], pages: Int) {
        var ids: [String] = []
        var url: String? = first
        var pages = 0
        while let u = url {
            let r = try await client.execute(uri: u, method: .get)
            #expect(r.status == .ok, "\(u)")
            let html = String(buffer: r.body)
            ids += Scan.all(#"<tr data-id="([^"]*)""#, in: html).map(Scan.unescape)
            url = Scan.next(in: html)
            pages += 1
            if pages > 200 { Issue.record("the pager does not end"); break }
        }
        return (ids, pages)
    }

    /// The overview names the settings records behind the run; served with a config whose
    /// settings changed since, it says which stage is stale and which keys changed.
    @Test func theOverviewShowsTheSettingsRecordsAndAStaleStage() async throws {
        let fixture = try await ServeFixture.shared.value
        let html = String(decoding: try fixture.site.overview().body, as: UTF8.self)
        let g = try fixture.config.generateSettings().id
        #expect(html.contains("<h2>Settings</h2>") && html.contains("<code>\(g)</code>"))
        #expect(!html.contains("is stale") && !html.contains("<strong>mixed</strong>"))
        let changed = fixture.config.file.replacingOccurrences(of: "c.yaml", with: "changed.yaml")
        try ServeFixture.config(count: 24).replacingOccurrences(of: "max_turns: 4", with: "max_turns: 6")
            .write(toFile: changed, atomically: true, encoding: .utf8)
        let stale = try ServeSite.open(config: try RunConfig.load(path: changed))
        let page = String(decoding: try stale.overview().body, as: UTF8.self)
        #expect(page.contains("<strong>generate is stale</strong>") && page.contains("max_turns: 4 → 6"))
    }

    @Test func pathTraversalAndOddIDsAnswer404() async throws {
        let f = try await ServeFixture.shared.value
        let someImage = try #require(try f.all().first?.sourceImage?.hash)
        let firstID = try f.all()[0].id
        try await app(f.site).test(.router) { client in
            for uri in ["/image/../../etc/passwd", "/image/..%2F..%2Fthinkedit.sqlite", "/thumb/%2e%2e%2fthinkedit.sqlite",
                        "/image/" + someImage.uppercased(), "/image/" + someImage.dropLast() , "/image/" + someImage + "0",
                        "/image/" + String(repeating: "0", count: 64), "/thumb/" + String(repeating: "g", count: 64),
                        "/image/\(someImage)/../../thinkedit.sqlite", "/thinkedit.sqlite", "/images/\(someImage.prefix(2))/\(someImage).png",
                        "/trajectory?id=..%2F..%2Fetc%2Fpasswd", "/trajectory?id=%00", "/trajectory", "/trajectory?id=",
                        "/sample?id=nope", "/sample?id=%23", "/sample?id=\(encoded(firstID))%2399", "/style.css/../thinkedit.sqlite"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .notFound, "\(uri) answered \(r.status)")
            }
            // The same image by its right name is served.
            let ok = try await client.execute(uri: "/image/" + someImage, method: .get)
            #expect(ok.status == .ok)
        }
    }

    @Test func writesAreRefusedAndTheConnectionIsReadOnly() async throws {
        let f = try await ServeFixture.shared.value
        let someImage = try #require(try f.all().first?.sourceImage?.hash)
        try await app(f.site).test(.router) { client in
            for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
                for uri in ["/", "/trajectories", "/image/" + someImage, "/nowhere"] {
                    let r = try await client.execute(uri: uri, method: method, body: ByteBuffer(string: "x"))
                    #expect(r.status == .methodNotAllowed, "\(method) \(uri) answered \(r.status)")
                    #expect(r.headers[.allow] == "GET, HEAD")
                }
            }
            let head = try await client.execute(uri: "/trajectories", method: .head)
            #expect(head.status == .ok, "HEAD answered \(head.status)")
        }
        #expect(throws: (any Error).self) {
            try f.site.store.pool.read { db in try db.execute(sql: "UPDATE run_meta SET value = '0'") }
        }
        #expect(throws: (any Error).self) {
            try f.site.store.pool.read { db in try db.execute(sql: "CREATE TABLE intruder (x)") }
        }
        #expect(throws: (any Error).self) {
            try f.site.store.pool.read { db in try db.execute(sql: "DELETE FROM search.doc") }
        }
    }

    @Test func filtersAndKeysetPagesGiveTheRowsSQLGives() async throws {
        let f = try await ServeFixture.shared.value
        let all = try f.all()
        #expect(all.count == 24)
        let task = try #require(all.first?.task)
        func best(_ t: ReportTrajectory) -> Double? { t.turns.compactMap { $0.score?.overall }.max() }
        func first(_ t: ReportTrajectory) -> Double? { t.turns.first { $0.turn == 1 }?.score?.overall }
        // Expected rows computed here from the report's reader, apart from the browser's SQL.
        let cases: [(String, [String])] = [
            ("/trajectories?n=5", all.map(\.id)),
            ("/trajectories?n=4&task=\(encoded(task))", all.filter { $0.task == task }.map(\.id)),
            ("/trajectories?n=3&best_min=6&best_max=9.5", all.filter { (best($0) ?? -1) >= 6 && (best($0) ?? 99) <= 9.5 }.map(\.id)),
            ("/trajectories?n=3&first_max=5", all.filter { (first($0) ?? 99) <= 5 }.map(\.id)),
            ("/trajectories?n=2&verdict=kept&var_min=0.5", all.filter { $0.kept == true && ($0.variance ?? -1) >= 0.5 }.map(\.id)),
            ("/trajectories?n=2&verdict=dropped", all.filter { $0.kept == false }.map(\.id)),
            ("/trajectories?n=4&split=none", all.filter { $0.split == SplitMembership.none }.map(\.id)),
            ("/trajectories?n=4&split=sft", all.filter { $0.split == .sft }.map(\.id)),
            ("/trajectories?n=3&sort=best&dir=desc",
             all.sorted { (best($0) ?? -1e300, $1.id) > (best($1) ?? -1e300, $0.id) }.map(\.id)),
            ("/trajectories?n=3&sort=variance", all.sorted { ($0.variance ?? -1e300, $0.id) < ($1.variance ?? -1e300, $1.id) }.map(\.id)),
            ("/trajectories?n=4&dir=desc", all.map(\.id).reversed()),
        ]
        try await app(f.site).test(.router) { client in
            for (uri, expected) in cases {
                let (ids, pages) = try await tableIDs(client, uri)
                #expect(ids == expected, "\(uri)")
                let size = Int(Scan.all(#"n=(\d+)"#, in: uri)[0])!
                #expect(pages == max(1, (expected.count + size - 1) / size), "\(uri): \(pages) pages for \(expected.count) rows")
                let r = try await client.execute(uri: uri, method: .get)
                #expect(Scan.all(#"data-figure="matches" data-value="(\d+)""#, in: String(buffer: r.body)) == [String(expected.count)], "\(uri)")
            }
            // The keyset pager never uses OFFSET: its links carry the last row's position.
            let r = try await client.execute(uri: "/trajectories?n=5", method: .get)
            #expect(Scan.next(in: String(buffer: r.body)) == "/trajectories?n=5&after=" + encoded("|" + all[4].id))
            // A bad filter value is a clear 400, not an empty table.
            let bad = try await client.execute(uri: "/trajectories?best_min=high", method: .get)
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("best_min=high"))
            for uri in ["/trajectories?status=failed", "/trajectories?sort=colour", "/trajectories?n=0", "/trajectories?after=nobar",
                        "/trajectories?sort=best&after=%7Cabc", "/trajectories?split=train", "/trajectories?var_min=nan"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .badRequest, "\(uri) answered \(r.status)")
            }
        }
    }

    @Test func aPageByIDSeeksThroughTheIDIndexWithoutSorting() async throws {
        let f = try await ServeFixture.shared.value
        for parameters in [["after": "|syn-000005"], ["after": "|syn-000005", "task": "color_alter", "best_min": "5"], ["dir": "desc"]] {
            let (sql, arguments) = try BrowseQuery(parameters: parameters).pageSQL()
            let plan = try f.site.store.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains("SEARCH t USING INDEX sqlite_autoindex_trajectory_1") || $0.contains("SCAN t USING INDEX sqlite_autoindex_trajectory_1") },
                    "\(parameters): \(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(parameters): \(plan)")
            #expect(!sql.contains("OFFSET"))
        }
    }

    @Test func aSortedPageWalksTheServeIndexInItsOrderWithoutSorting() async throws {
        let f = try await ServeFixture.shared.value
        for sort in BrowseQuery.Sort.allCases where sort != .id {
            for parameters in [["sort": sort.rawValue], ["sort": sort.rawValue, "dir": "desc", "after": "3|syn-000005"],
                               ["sort": sort.rawValue, "task": "color_alter", "after": "-1e300|syn-000002"]] {
                let (sql, arguments) = try BrowseQuery(parameters: parameters).pageSQL()
                let plan = try f.site.store.read { db in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
                }
                let index = "rank_\(sort.rawValue)" + (parameters["dir"] == "desc" ? "_desc" : "")
                // The outer loop is the serve index's rank table, in the order's own index.
                let outer = plan.first?.split(separator: " ").map(String.init) ?? []
                #expect(outer.starts(with: ["SCAN", "r"]) || outer.starts(with: ["SEARCH", "r"]), "\(parameters): \(plan)")
                #expect(outer.contains(index), "\(parameters): \(plan)")
                #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(parameters): \(plan)")
            }
        }
    }

    @Test func searchFindsTrajectoriesByTheirWords() async throws {
        let f = try await ServeFixture.shared.value
        let all = try f.all()
        let target = try #require(all.first { t in t.turns.contains { ($0.reasoning ?? "").count > 20 } })
        let reasoning = try #require(target.turns.compactMap(\.reasoning).first { $0.count > 20 })
        let words = reasoning.split(whereSeparator: { !$0.isLetter }).map { $0.lowercased() }.filter { $0.count >= 5 }
        let word = try #require(words.first)
        try await app(f.site).test(.router) { client in
            let (ids, _) = try await tableIDs(client, "/trajectories?n=50&q=\(encoded(word))")
            #expect(ids.contains(target.id))
            for id in ids {
                let t = try #require(all.first { $0.id == id })
                let text = ([t.instruction, t.stopReasoning ?? ""] + t.turns.flatMap { [$0.instruction, $0.reasoning ?? ""] }).joined(separator: " ").lowercased()
                #expect(text.contains(String(word.prefix(4))), "\(id) does not hold \(word)")
            }
            // FTS5 syntax in the box is plain text, never an error.
            for q in ["\"", "AND OR", "a* NEAR(", "col:x"] {
                #expect(try await client.execute(uri: "/trajectories?q=\(encoded(q))", method: .get).status == .ok, "\(q)")
            }
        }
    }

    @Test func trajectoryAndSamplePagesShowTheDatabase() async throws {
        let f = try await ServeFixture.shared.value
        let all = try f.all()
        let t = try #require(all.first { $0.samples.contains { $0.split != nil } })
        let sample = try #require(t.samples.first { $0.split != nil })
        let index = try #require(all.firstIndex(of: t))
        try await app(f.site).test(.router) { client in
            let page = String(buffer: try await client.execute(uri: "/trajectory?id=\(encoded(t.id))", method: .get).body)
            #expect(Scan.all(#"<div class="turn [^"]*" data-turn="(\d+)""#, in: page) == t.turns.map { String($0.turn) })
            #expect(Scan.all(#"data-field="overall">([^<]*)<"#, in: page) == t.turns.compactMap { $0.score.map { JSONNumber.format(JSONNumber.round6($0.overall)) } })
            if index + 1 < all.count { #expect(Scan.next(in: page) == "/trajectory?id=" + encoded(all[index + 1].id)) }
            #expect(page.contains("/sample?id=\(encoded(t.id + "#\(sample.turn)"))"))

            let s = String(buffer: try await client.execute(uri: "/sample?id=\(encoded(t.id + "#\(sample.turn)"))", method: .get).body)
            // The manifest record shown is the line the export wrote for this sample.
            let manifestPath = f.config.export.dir + "/\(sample.split!)/manifest.jsonl"
            let line = try #require(try String(contentsOfFile: manifestPath, encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix(#"{"id":"\#(t.id)#\#(sample.turn)""#) })
            #expect(Scan.all(#"<pre class="record" data-format="manifest">(.*?)</pre>"#, in: s).map(Scan.unescape) == [String(line)])
            #expect(Scan.all(#"data-field="split">([^<]*)<"#, in: s) == [sample.split!.rawValue])
        }
    }

    @Test func thumbnailsAreMadeOnceAndBounded() async throws {
        let f = try await ServeFixture.shared.value
        let hash = try #require(try f.all().first?.sourceImage?.hash)
        let before = f.site.thumbnailCacheUse.count
        let a = try f.site.thumbnail(hash: hash)
        #expect(a.status == 200 && a.contentType == "image/jpeg" && Array(a.body.prefix(2)) == [0xFF, 0xD8])
        let b = try f.site.thumbnail(hash: hash)
        #expect(b.body == a.body)
        #expect(f.site.thumbnailCacheUse.count <= before + 1)
        var cache = ThumbnailCache(limit: 10)
        for i in 0..<5 { cache.put("h\(i)", Array(repeating: UInt8(i), count: 4)) }
        #expect(cache.bytes <= 10 && cache.count == 2 && cache.get("h4") != nil && cache.get("h0") == nil)
    }

    @Test func overviewShowsStatusNumbersLive() async throws {
        let f = try await ServeFixture.shared.value
        let snapshot = try f.site.store.snapshot()
        try await app(f.site).test(.router) { client in
            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(Scan.all(#"data-figure="kept" data-value="(\d+)""#, in: html) == [String(snapshot.kept)])
            #expect(Scan.all(#"data-figure="calls" data-value="(\d+)""#, in: html) == [String(snapshot.calls)])
            #expect(Scan.all(#"data-figure="list.all" data-value="(\d+)""#, in: html) == ["24"])
            #expect(html.contains(#"<svg id="chart-first-turn""#))
        }
    }

    @Test func queryParametersDecodeLikeABrowserSendsThem() {
        #expect(ServeSite.parameters(query: "q=red+car&task=color_alter&id=a%23b%2F%2E&x") == ["q": "red car", "task": "color_alter", "id": "a#b/.", "x": ""])
        #expect(ServeSite.parameters(query: nil).isEmpty)
        #expect(ServeSite.isImageHash(String(repeating: "a", count: 64)))
        #expect(!ServeSite.isImageHash(String(repeating: "A", count: 64)))
        #expect(!ServeSite.isImageHash("../" + String(repeating: "a", count: 61)))
    }

    @Test func wordDiffKeepsCommonWordsAndMarksTheRest() {
        #expect(WordDiff.diff("make the car red", "paint the whole car red") ==
                [.removed("make"), .inserted("paint"), .same("the"), .inserted("whole"), .same("car"), .same("red")])
        #expect(WordDiff.diff("", "a b") == [.inserted("a"), .inserted("b")])
    }
}

/// Set once, read from any task.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// An editor that, before each edit, has serve read the run it is writing.
struct ProbingEditor: Editor {
    let inner: SyntheticEditor
    let probe: @Sendable () -> Void
    var name: String { inner.name }

    func edit(_ request: EditRequest) async throws -> EditResult {
        probe()
        return try await inner.edit(request)
    }
}

@Suite struct ServeBesideAWriterTests {
    @Test func pagesAnswerWhileGenerateWritesTheSameRun() async throws {
        let (config, writer) = try ServeFixture.newRun("thinkedit-serve-live", count: 12)
        try await StageRunner.run(PoolStage(), StageContext(config: config, store: writer) { _ in })
        let site = try ServeSite.open(config: config)

        // Inside every edit call, so while generate holds the run and commits between calls.
        let seen = Mutex<(statuses: [Int], trajectories: [Int], errors: [String])>(([], [], []))
        let probe: @Sendable () -> Void = {
            do {
                let pages = [try site.overview(), try site.trajectories(parameters: ["n": "5"]),
                             try site.trajectories(parameters: ["q": "the", "sort": "best", "dir": "desc"])]
                try site.search.refresh(from: site.store)
                let count = try site.store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM trajectory") ?? 0 }
                seen.withLock { $0.statuses += pages.map(\.status); $0.trajectories.append(count) }
            } catch {
                seen.withLock { $0.errors.append("\(error)") }
            }
        }
        let backends = BackendSet(thinker: SyntheticExpert(seed: 11), scorer: SyntheticJudge(seed: 11),
                                  editors: [(ProbingEditor(inner: SyntheticEditor(seed: 11), probe: probe), weight: 1)], concurrency: 2)
        // And through HTTP, from another task, until generate is done.
        let done = Flag()
        try await Application(router: ServeApplication.router(site: site)).test(.router) { client in
            async let generate: Void = {
                defer { done.set() }
                try await StageRunner.run(GenerateStage(backends: backends), StageContext(config: config, store: writer) { _ in })
            }()
            var requests = 0
            repeat {
                for uri in ["/", "/trajectories?n=3&sort=best&dir=desc", "/trajectories?q=the"] {
                    let r = try await client.execute(uri: uri, method: .get)
                    #expect(r.status == .ok, "\(uri) answered \(r.status) while generate wrote")
                    requests += 1
                }
            } while !done.isSet
            try await generate
            #expect(requests >= 3)
        }

        let result = seen.withLock { $0 }
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.statuses.count >= 3 * 12)
        #expect(result.statuses.allSatisfy { $0 == 200 })
        #expect(result.trajectories.max() == 12)
        // After the writer finished, the pages show all of it.
        try site.search.refresh(from: site.store)
        let table = String(decoding: try site.trajectories(parameters: ["n": "50"]).body, as: UTF8.self)
        #expect(Scan.all(#"data-figure="matches" data-value="(\d+)""#, in: table) == ["12"])
        #expect(try site.search.documents() == 12)
    }
}

@Suite struct ServeOverviewTests {
    @Test func theOverviewFollowsTheRunAtMostOncePerMaxAgeWhileItChanges() async throws {
        let (config, writer) = try ServeFixture.newRun("thinkedit-serve-overview", count: 3)
        try await StageRunner.run(PoolStage(), StageContext(config: config, store: writer) { _ in })
        let clock = ManualClock()
        let search = try SearchIndex(workdir: config.workdir)
        let store = try RunStore.openForReading(workdir: config.workdir) { db in try search.attach(db) }
        let site = ServeSite(store: store, search: search, config: config, template: try UserPromptTemplate.forConfig(file: config.file),
                             clock: AnyClock(clock), overviewMaxAge: .seconds(5))
        func calls() throws -> [String] {
            Scan.all(#"data-figure="calls" data-value="(\d+)""#, in: String(decoding: try site.overview().body, as: UTF8.self))
        }
        func addCall() throws {
            try writer.write { db in
                try db.execute(sql: """
                    INSERT INTO call(stage, backend, kind, request_hash, attempt, outcome, latency_ms, at)
                    VALUES ('generate', 'x', 'think', 'h', 1, 'ok', 1, 0)
                    """)
            }
        }
        #expect(try calls() == ["0"])
        try addCall()
        #expect(try calls() == ["0"])  // made less than overviewMaxAge ago: not made again yet
        clock.advance(by: .seconds(6))
        #expect(try calls() == ["1"])
        #expect(try site.overviewIsCurrent)
        try addCall()
        #expect(try !site.overviewIsCurrent)
        clock.advance(by: .seconds(5))
        #expect(try calls() == ["2"])
        clock.advance(by: .seconds(60))
        #expect(try calls() == ["2"])  // unchanged run: the kept page
    }
}

@Suite struct ServeOddIDTests {
    @Test func idsWithURLAndHTMLCharactersRoundTripThroughEveryLink() async throws {
        let dir = NSTemporaryDirectory() + "thinkedit-serve-ids-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/img", withIntermediateDirectories: true)
        for (name, color) in [("src", (10, 20, 30)), ("e1", (200, 20, 30)), ("e2", (250, 0, 0))] as [(String, (UInt8, UInt8, UInt8))] {
            let png = try ImageCodec.encodePNG(RGBImage(width: 8, height: 8, fill: color))
            #expect(FileManager.default.createFile(atPath: dir + "/img/\(name).png", contents: Data(png)))
        }
        let ids = ["a b&c#d/é", "../etc/passwd", "x?y=1%2F<b>"]
        let lines = ids.map { id in
            let quoted = String(decoding: try! JSONEncoder().encode(id), as: UTF8.self)
            return #"{"id": \#(quoted), "task": "color_alter", "instruction": "make the car red", "source_image": "img/src.png", "editor": "e", "end_reason": "stop", "stop_reasoning": "done", "steps": [{"turn": 1, "instruction": "make the car red", "image": "img/e1.png", "score": {"semantic": 4, "quality": 8}}, {"turn": 2, "reasoning": "only the hood", "instruction": "paint the whole car red", "image": "img/e2.png", "score": {"semantic": 8, "quality": 8}}]}"#
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/t.jsonl", atomically: true, encoding: .utf8)
        try ServeFixture.config(count: 3).replacingOccurrences(of: "pool: {synth: {count: 3, seed: 4, image_size: 96}}\n", with: "")
            .write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let config = try RunConfig.load(path: dir + "/c.yaml")
        let writer = try RunStore.openForWriting(workdir: config.workdir)
        _ = try TrajectoryImporter(config: config, store: writer).importFile(dir + "/t.jsonl")
        try await StageRunner.run(SplitStage(), StageContext(config: config, store: writer) { _ in })
        let site = try ServeSite.open(config: config)
        let sorted = ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }

        try await Application(router: ServeApplication.router(site: site)).test(.router) { client in
            let table = String(buffer: try await client.execute(uri: "/trajectories", method: .get).body)
            #expect(Scan.all(#"<tr data-id="([^"]*)""#, in: table).map(Scan.unescape) == sorted)
            let links = Scan.all(#"<tr data-id="[^"]*"><td><a href="([^"]*)""#, in: table).map(Scan.unescape)
            #expect(links.count == 3)
            var samplesOpened = 0
            for (link, id) in zip(links, sorted) {
                let r = try await client.execute(uri: link, method: .get)
                #expect(r.status == .ok, "\(link)")
                let page = String(buffer: r.body)
                #expect(Scan.all(#"<h1>Trajectory ([^<]*)</h1>"#, in: page).map(Scan.unescape) == [id])
                if let sample = Scan.all(#"<a class="sample" href="([^"]*)""#, in: page).first.map(Scan.unescape) {
                    let s = String(buffer: try await client.execute(uri: sample, method: .get).body)
                    #expect(Scan.all(#"<h1>Sample ([^<]*)</h1>"#, in: s).map(Scan.unescape) == [id + "#2"])
                    samplesOpened += 1
                }
            }
            #expect(samplesOpened > 0)
            // The first page's next link leads to the second id.
            let first = String(buffer: try await client.execute(uri: links[0], method: .get).body)
            let next = try #require(Scan.next(in: first))
            #expect(Scan.all(#"<h1>Trajectory ([^<]*)</h1>"#, in: String(buffer: try await client.execute(uri: next, method: .get).body))
                .map(Scan.unescape) == [sorted[1]])
        }
    }
}

@Suite struct ServeRankTests {
    /// The rank table as the run's own values give it, by seq.
    static func expected(_ store: RunStore) throws -> [Int64: [Double]] {
        try store.read { db in
            var out: [Int64: [Double]] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT t.seq, \(BrowseQuery.Sort.first.valueSQL!) AS first, \(BrowseQuery.Sort.best.valueSQL!) AS best,
                       \(BrowseQuery.Sort.variance.valueSQL!) AS variance, \(BrowseQuery.Sort.turns.valueSQL!) AS turns
                FROM trajectory t LEFT JOIN curation c ON c.trajectory = t.seq
                """) { out[r["seq"]] = [r["first"], r["best"], r["variance"], r["turns"]] }
            return out
        }
    }

    static func stored(_ store: RunStore) throws -> [Int64: [Double]] {
        try store.read { db in
            var out: [Int64: [Double]] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT seq, first, best, variance, turns FROM search.rank") {
                out[r["seq"]] = [r["first"], r["best"], r["variance"], r["turns"]]
            }
            return out
        }
    }

    @Test func aRefreshInChunksWritesOnlyWhatChangedAndDropsWhatTheRunLost() async throws {
        let (config, writer) = try ServeFixture.newRun("thinkedit-serve-rank", count: 13)
        try await RunPipeline.run(StageContext(config: config, store: writer) { _ in })
        let search = try SearchIndex(workdir: config.workdir)
        let store = try RunStore.openForReading(workdir: config.workdir) { db in try search.attach(db) }

        // Chunks of 4 over 13 trajectories: four chunks, the last one short.
        #expect(try search.refreshRank(from: store, chunk: 4) == 13)
        #expect(try Self.stored(store) == Self.expected(store))
        #expect(try search.refreshRank(from: store, chunk: 4) == 0)

        // One score changes, one trajectory (the last in seq order) goes.
        let (rescored, dropped) = try writer.read { db in
            (try Int64.fetchOne(db, sql: "SELECT trajectory FROM turn WHERE turn = 1 AND overall IS NOT NULL ORDER BY trajectory LIMIT 1")!,
             try Int64.fetchOne(db, sql: "SELECT max(seq) FROM trajectory")!)
        }
        try writer.writeWithoutForeignKeyChecks { db in
            try db.execute(sql: "UPDATE turn SET overall = overall + 0.5 WHERE trajectory = ? AND turn = 1", arguments: [rescored])
            for table in ["split_member WHERE sample IN (SELECT seq FROM sample WHERE trajectory = ?)", "sample WHERE trajectory = ?",
                          "curation WHERE trajectory = ?", "turn WHERE trajectory = ?", "trajectory WHERE seq = ?"] {
                try db.execute(sql: "DELETE FROM " + table, arguments: [dropped])
            }
        }
        let changes = try search.refreshRank(from: store, chunk: 4)
        #expect(try Self.stored(store) == Self.expected(store))
        #expect(try Self.stored(store)[dropped] == nil)
        // The rescored trajectory's first score changes, and its best score with it when turn 1 was its best.
        #expect(changes == 2, "the rescored trajectory and the dropped one, no other row")
    }
}
