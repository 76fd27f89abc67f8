import Foundation
import ThinkEditCore
import ThinkEditPages
import ThinkEditPipeline
import ThinkEditStore

/// The pages of `thinkedit serve`, answered from the run database on every request: one method
/// per URL; the routes (`ServeApplication`) only map URLs to them, the pages themselves are
/// `ServePages`'. Reads through the store it is given, which must be opened read-only with the
/// search index attached (`open(config:)` does both).
///
/// Contract:
/// - Nothing here writes the run: the store's connections are read-only; the only file written is
///   the search index, which serve owns.
/// - A URL names a trajectory by its id (`/trajectory?id=`), a sample by its id
///   (`/sample?id=<trajectory>#<t>`) and an image by its content hash only; an id or hash the run
///   does not have is a 404. No part of a URL becomes a file path.
/// - What is kept between requests is kept by its own type: the overview (`OverviewCache`), the
///   table's filter values and match counts (`BrowseCache`), the thumbnails (`ServeThumbnails`,
///   bounded in bytes).
package final class ServeSite: Sendable {
    package let store: RunStore
    package let search: SearchIndex
    package let config: RunConfig
    let template: UserPromptTemplate
    private let overviewCache: OverviewCache
    private let browseCache = BrowseCache()
    private let thumbnails: ServeThumbnails

    init(store: RunStore, search: SearchIndex, config: RunConfig, template: UserPromptTemplate,
         clock: AnyClock = AnyClock(ContinuousClock()), overviewMaxAge: Duration = .seconds(5),
         thumbnailCacheBytes: Int = ServeThumbnails.cacheBytes) {
        self.store = store
        self.search = search
        self.config = config
        self.template = template
        self.overviewCache = OverviewCache(maxAge: overviewMaxAge, clock: clock)
        self.thumbnails = ServeThumbnails(limit: thumbnailCacheBytes)
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

    /// `/`: the run's numbers and charts, and the ways into the table.
    package func overview() throws -> ServeResponse {
        let token = try store.changeToken()
        return .html(try overviewCache.page(token: token) {
            ServePages.overview(try LiveOverview(store: store, config: config), facets: try facets(token: token),
                                searchDocuments: try search.documents())
        })
    }

    /// Whether the overview shown now is of the run as it is (serve's refresher asks for it again
    /// until it is, so that a request rarely waits for it).
    package var overviewIsCurrent: Bool {
        get throws { overviewCache.isCurrent(token: try store.changeToken()) }
    }

    /// `/trajectories?<filters>`: a page of the table.
    package func trajectories(parameters: [String: String]) throws -> ServeResponse {
        let query: BrowseQuery
        do {
            query = try BrowseQuery(parameters: parameters)
        } catch let error as BrowseQueryError {
            return .html(ServePages.page(title: "bad filter", body: "<h1>Bad filter</h1><p>\(error.description)</p>"), status: 400)
        }
        let token = try store.changeToken()
        let key = query.filterKey
        let known = browseCache.matches(token: token, key: key)
        let page = try store.browse(query, total: known)
        if known == nil { browseCache.remember(token: token, key: key, matches: page.total) }
        return .html(ServePages.table(query, page, facets: try facets(token: token)))
    }

    /// The filter values of the run, counted again only when the run changed.
    func facets(token: String) throws -> BrowseFacets {
        try browseCache.facets(token: token) { try store.browseFacets() }
    }

    /// `/trajectory?id=`: one trajectory.
    package func trajectory(id: String?) throws -> ServeResponse {
        guard let id, let found = try store.browseTrajectory(id: id) else {
            return .notFound("The run has no trajectory \(id.map { "`\($0)`" } ?? "(no id given)").")
        }
        return .html(TrajectoryPages.page(found.trajectory, on: .serve(previous: found.previous, next: found.next)))
    }

    /// `/sample?id=`: `id` is `<trajectory id>#<t>`, the sample id of the manifest.
    package func sample(id: String?) throws -> ServeResponse {
        guard let id, let hash = id.lastIndex(of: "#"), let turn = Int(id[id.index(after: hash)...]),
              let row = try store.read({ try ExportSampleRow.fetch($0, trajectory: String(id[..<hash]), turn: turn) }) else {
            return .notFound("The run has no selected sample \(id.map { "`\($0)`" } ?? "(no id given)").")
        }
        return .html(ServePages.sample(try ExportPreview(row: row, config: config, template: template)))
    }

    // MARK: - Images and the style sheet

    /// `/image/<hash>`: the stored image with this hash, as stored.
    package func image(hash: String) throws -> ServeResponse {
        guard Self.isImageHash(hash), let record = try store.imageRecord(hash: hash),
              let bytes = try? store.images.read(hash: record.hash, format: record.format) else {
            return .notFound("No stored image has this name.")
        }
        return ServeResponse(status: 200, contentType: record.format.mimeType, body: bytes)
    }

    /// `/thumb/<hash>`: a JPEG of the image at most `ServeThumbnails.side` pixels on its long side.
    package func thumbnail(hash: String) throws -> ServeResponse {
        guard Self.isImageHash(hash) else { return .notFound("No stored image has this name.") }
        return try thumbnails.thumbnail(hash: hash, store: store)
    }

    /// Thumbnails held now, and their bytes.
    var thumbnailCacheUse: (count: Int, bytes: Int) { thumbnails.use }

    /// `/style.css`.
    package func styleSheet() -> ServeResponse {
        ServeResponse(status: 200, contentType: "text/css; charset=utf-8", body: Array(ServePages.styleSheetFile.utf8))
    }
}
