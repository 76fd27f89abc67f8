import Synchronization
import ThinkEditCore
import ThinkEditPages

/// Serve's overview page, kept between requests. It is made again when the run changed
/// (`RunStore.changeToken`), but while the run keeps changing at most once per `maxAge` or per
/// four times what the last one cost, whichever is longer: at 130,000 trajectories it streams
/// for seconds, and a changing run must not keep a core busy with it.
final class OverviewCache: Sendable {
    let maxAge: Duration
    let clock: AnyClock
    private let entry = Mutex<(token: String, at: AnyClock.Instant, cost: Duration, html: HTML)?>(nil)

    init(maxAge: Duration, clock: AnyClock) {
        self.maxAge = maxAge
        self.clock = clock
    }

    /// The page of the run at `token`: the one held when it is of that run or still fresh enough,
    /// else the one `make` makes (then held).
    func page(token: String, make: () throws -> HTML) rethrows -> HTML {
        if let held = entry.withLock({ $0 }), held.token == token || held.at.duration(to: clock.now) < max(maxAge, held.cost * 4) {
            return held.html
        }
        let start = clock.now
        let html = try make()
        entry.withLock { $0 = (token, start, start.duration(to: clock.now), html) }
        return html
    }

    /// Whether the page held is of the run at `token`.
    func isCurrent(token: String) -> Bool {
        entry.withLock { $0?.token == token }
    }
}
