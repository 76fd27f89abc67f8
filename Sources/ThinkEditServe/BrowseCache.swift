import Synchronization
import ThinkEditPipeline

/// What the trajectory table asks on every request but what does not change while the run does
/// not: the filter values with their counts, and the number of matches of each set of filters.
/// Both are valid for one change token (`RunStore.changeToken`); the match counts are at most
/// `countEntries`.
final class BrowseCache: Sendable {
    static let countEntries = 512

    private let facetEntry = Mutex<(token: String, facets: BrowseFacets)?>(nil)
    private let countEntry = Mutex<(token: String, counts: [String: Int])>(("", [:]))

    /// The filter values of the run at `token`: those held, or `count`'s (then held).
    func facets(token: String, count: () throws -> BrowseFacets) rethrows -> BrowseFacets {
        if let held = facetEntry.withLock({ $0 }), held.token == token { return held.facets }
        let facets = try count()
        facetEntry.withLock { $0 = (token, facets) }
        return facets
    }

    /// The matches of the filters `key` in the run at `token`, when known.
    func matches(token: String, key: String) -> Int? {
        countEntry.withLock { $0.token == token ? $0.counts[key] : nil }
    }

    func remember(token: String, key: String, matches: Int) {
        countEntry.withLock { held in
            if held.token != token || held.counts.count >= Self.countEntries { held = (token, [:]) }
            held.counts[key] = matches
        }
    }
}
