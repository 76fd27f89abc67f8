import Foundation
import Synchronization
import ThinkEditCore
import ThinkEditImaging
import ThinkEditStore

/// What one request of `thinkedit serve` answers: a status, a content type and the bytes.
package struct ServeResponse: Sendable {
    package var status: Int
    package var contentType: String
    package var body: [UInt8]

    static func html(_ page: HTML, status: Int = 200) -> ServeResponse {
        ServeResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(page.text.utf8))
    }

    package static func notFound(_ what: String) -> ServeResponse {
        html(ServePages.page(title: "not found", body: "<h1>Not found</h1><p>\(what)</p>"), status: 404)
    }
}

/// The pages of `thinkedit serve`, answered from the run database on every request: the HTTP
/// layer (`ThinkEditServe`) only maps URLs to these methods. Reads through the store it is given,
/// which must be opened read-only with the search index attached (`open(config:)` does both).
///
/// Contract:
/// - Nothing here writes the run: the store's connections are read-only; the only file written is
///   the search index, which serve owns.
/// - A URL names a trajectory by its id (`/trajectory?id=`), a sample by its id
///   (`/sample?id=<trajectory>#<t>`) and an image by its content hash only; an id or hash the run
///   does not have is a 404. No part of a URL becomes a file path.
/// - The overview is recomputed when the run changed (`RunStore.changeToken`), while the run keeps
///   changing at most once per `overviewMaxAge` or per four times what the last one cost, whichever
///   is longer (at 130,000 trajectories it streams for seconds: a changing run must not keep a core
///   busy with it); thumbnails are made on demand and kept in a cache bounded by
///   `thumbnailCacheBytes`.
package final class ServeSite: Sendable {
    package let store: RunStore
    package let search: SearchIndex
    package let config: RunConfig
    let template: UserPromptTemplate
    let overviewMaxAge: Duration
    let clock: AnyClock
    private let overviewCache = Mutex<(token: String, at: AnyClock.Instant, cost: Duration, html: HTML)?>(nil)
    private let thumbnails: Mutex<ThumbnailCache>
    /// What does not change while the run does not: the filter values and match counts by
    /// filters, valid for one change token.
    private let facetCache = Mutex<(token: String, facets: BrowseFacets)?>(nil)
    private let countCache = Mutex<(token: String, counts: [String: Int])>(("", [:]))
    static let countCacheEntries = 512

    /// The long side of a thumbnail, in pixels.
    static let thumbnailSide = 256
    static let thumbnailCacheBytes = 32 << 20

    init(store: RunStore, search: SearchIndex, config: RunConfig, template: UserPromptTemplate,
                 clock: AnyClock = AnyClock(ContinuousClock()), overviewMaxAge: Duration = .seconds(5),
                 thumbnailCacheBytes: Int = ServeSite.thumbnailCacheBytes) {
        self.store = store
        self.search = search
        self.config = config
        self.template = template
        self.clock = clock
        self.overviewMaxAge = overviewMaxAge
        self.thumbnails = Mutex(ThumbnailCache(limit: thumbnailCacheBytes))
    }

    /// Opens the run in `config.workdir` read-only with its search index (made or brought up to
    /// date here, before the first request).
    package static func open(config: RunConfig, clock: AnyClock = AnyClock(ContinuousClock())) throws -> ServeSite {
        // Before the index is made beside it: a folder with no run is that error, not a write error.
        guard FileManager.default.fileExists(atPath: config.databasePath) else { throw StoreError.noRun(workdir: config.workdir) }
        let search = try SearchIndex(workdir: config.workdir)
        let store = try RunStore.openForReading(workdir: config.workdir) { db in try search.attach(db) }
        try search.refresh(from: store)
        return ServeSite(store: store, search: search, config: config, template: try UserPromptTemplate.forConfig(file: config.file), clock: clock)
    }

    // MARK: - Pages

    package func overview() throws -> ServeResponse {
        let token = try store.changeToken()
        if let cached = overviewCache.withLock({ $0 }),
           cached.token == token || cached.at.duration(to: clock.now) < max(overviewMaxAge, cached.cost * 4) {
            return .html(cached.html)
        }
        return try makeOverview(token: token)
    }

    /// Whether the overview shown now is of the run as it is (serve's refresher asks for it again
    /// until it is, so that a request rarely waits for it).
    package var overviewIsCurrent: Bool {
        get throws {
            let token = try store.changeToken()
            return overviewCache.withLock { $0?.token == token }
        }
    }

    private func makeOverview(token: String) throws -> ServeResponse {
        let start = clock.now
        let html = ServePages.overview(try LiveOverview(store: store, config: config), facets: try facets(token: token),
                                           searchDocuments: try search.documents())
        overviewCache.withLock { $0 = (token, start, start.duration(to: clock.now), html) }
        return .html(html)
    }

    package func trajectories(parameters: [String: String]) throws -> ServeResponse {
        let query: BrowseQuery
        do {
            query = try BrowseQuery(parameters: parameters)
        } catch let error as BrowseQueryError {
            return .html(ServePages.page(title: "bad filter", body: "<h1>Bad filter</h1><p>\(error.description)</p>"), status: 400)
        }
        let token = try store.changeToken()
        let key = query.filterKey
        let known = countCache.withLock { $0.token == token ? $0.counts[key] : nil }
        let page = try store.browse(query, total: known)
        if known == nil {
            countCache.withLock { cache in
                if cache.token != token || cache.counts.count >= Self.countCacheEntries { cache = (token, [:]) }
                cache.counts[key] = page.total
            }
        }
        return .html(ServePages.table(query, page, facets: try facets(token: token)))
    }

    /// The filter values of the run, counted again only when the run changed.
    func facets(token: String) throws -> BrowseFacets {
        if let cached = facetCache.withLock({ $0 }), cached.token == token { return cached.facets }
        let facets = try store.browseFacets()
        facetCache.withLock { $0 = (token, facets) }
        return facets
    }

    package func trajectory(id: String?) throws -> ServeResponse {
        guard let id, let found = try store.browseTrajectory(id: id) else {
            return .notFound("The run has no trajectory \(id.map { "`\($0)`" } ?? "(no id given)").")
        }
        return .html(ServePages.trajectory(found.trajectory, previous: found.previous, next: found.next))
    }

    /// `id` is `<trajectory id>#<t>`, the sample id of the manifest.
    package func sample(id: String?) throws -> ServeResponse {
        guard let id, let hash = id.lastIndex(of: "#"), let turn = Int(id[id.index(after: hash)...]),
              let row = try store.exportSample(trajectory: String(id[..<hash]), turn: turn) else {
            return .notFound("The run has no selected sample \(id.map { "`\($0)`" } ?? "(no id given)").")
        }
        return .html(ServePages.sample(try ExportPreview(row: row, config: config, template: template)))
    }

    // MARK: - Images

    /// A SHA-256 in lowercase hex: the only form of an image's name in a URL.
    static func isImageHash(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The stored image with this hash, as stored.
    package func image(hash: String) throws -> ServeResponse {
        guard Self.isImageHash(hash), let record = try store.imageRecord(hash: hash),
              let bytes = try? store.images.read(hash: record.hash, format: record.format) else {
            return .notFound("No stored image has this name.")
        }
        return ServeResponse(status: 200, contentType: record.format.mimeType, body: bytes)
    }

    /// A JPEG of the image at most `thumbnailSide` pixels on its long side, made once and cached.
    package func thumbnail(hash: String) throws -> ServeResponse {
        guard Self.isImageHash(hash) else { return .notFound("No stored image has this name.") }
        if let bytes = thumbnails.withLock({ $0.get(hash) }) {
            return ServeResponse(status: 200, contentType: "image/jpeg", body: bytes)
        }
        guard let r = try store.imageRecord(hash: hash), let source = try? store.images.read(hash: r.hash, format: r.format) else {
            return .notFound("No stored image has this name.")
        }
        let scale = Double(Self.thumbnailSide) / Double(max(1, max(r.width, r.height)))
        let pixels = scale >= 1 ? r.width * r.height
            : max(1, Int((Double(r.width) * scale).rounded()) * Int((Double(r.height) * scale).rounded()))
        guard let small = try? ImageCodec.decode(source, name: r.hash, fittingMaxPixels: pixels),
              let jpeg = try? ImageCodec.encodeJPEG(small, quality: 82) else {
            return .notFound("The stored image \(hash) cannot be decoded.")
        }
        thumbnails.withLock { $0.put(hash, jpeg) }
        return ServeResponse(status: 200, contentType: "image/jpeg", body: jpeg)
    }

    /// Thumbnails held now, and their bytes.
    var thumbnailCacheUse: (count: Int, bytes: Int) {
        thumbnails.withLock { ($0.count, $0.bytes) }
    }

    package func styleSheet() -> ServeResponse {
        ServeResponse(status: 200, contentType: "text/css; charset=utf-8", body: Array((HTML.styleSheet + ServePages.styleSheet).utf8))
    }
}

/// Thumbnails by hash, at most `limit` bytes in all; the oldest go first.
struct ThumbnailCache: Sendable {
    let limit: Int
    private var entries: [String: [UInt8]] = [:]
    private var order: [String] = []
    private var head = 0
    private(set) var bytes = 0

    init(limit: Int) { self.limit = limit }

    var count: Int { entries.count }

    func get(_ hash: String) -> [UInt8]? { entries[hash] }

    mutating func put(_ hash: String, _ data: [UInt8]) {
        guard entries[hash] == nil, data.count <= limit else { return }
        entries[hash] = data
        order.append(hash)
        bytes += data.count
        while bytes > limit, head < order.count {
            let old = order[head]
            head += 1
            bytes -= entries.removeValue(forKey: old)?.count ?? 0
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}

/// The report's overview, computed now: `thinkedit status`'s numbers and the figures the static
/// report draws, by the report's own queries and aggregations.
struct LiveOverview {
    let overview: Overview

    init(store: RunStore, config: RunConfig? = nil) throws {
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

extension ServeSite {
    /// A URL's query as a dictionary: `+` is a space (what an HTML form sends), `%XX` escapes
    /// are decoded, a key given twice keeps its last value, and a part that is not valid
    /// percent-encoding is kept as it is.
    package static func parameters(query: String?) -> [String: String] {
        var out: [String: String] = [:]
        for part in (query ?? "").split(separator: "&") {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            out[decode(pieces[0])] = pieces.count > 1 ? decode(pieces[1]) : ""
        }
        return out
    }
}
