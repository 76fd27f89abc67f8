import ThinkEditCore

/// The editor servers of one backend and their health. Each request goes to the endpoint with the
/// fewest outstanding requests (ties: the one used least recently, so idle servers share the load).
/// An endpoint that fails `failureThreshold` times in a row is set aside for `cooldown` seconds;
/// after that it gets traffic again only once a `GET /health` probe succeeds (a failed probe doubles
/// its cooldown, up to `maxCooldown`).
package actor EndpointPool {
    struct Endpoint {
        var url: String
        var outstanding = 0
        var consecutiveFailures = 0
        var asideUntil: AnyClock.Instant?
        var cooldown: Double
        var probing = false
        var lastPick: UInt64 = 0
    }

    private var endpoints: [Endpoint]
    private let failureThreshold: Int
    private let baseCooldown: Double
    private let maxCooldown: Double
    private var picks: UInt64 = 0
    private let probe: @Sendable (String) async -> Bool
    private let clock: AnyClock
    /// Health probes under way, by endpoint index.
    private var probes: [Int: Task<Void, Never>] = [:]

    init(urls: [String], failureThreshold: Int = 3, cooldown: Double = 30, maxCooldown: Double = 600,
                clock: AnyClock = .continuous, probe: @escaping @Sendable (String) async -> Bool) {
        precondition(!urls.isEmpty, "an endpoint pool needs at least one URL")
        endpoints = urls.map { Endpoint(url: $0.hasSuffix("/") ? String($0.dropLast()) : $0, cooldown: cooldown) }
        self.failureThreshold = failureThreshold
        baseCooldown = cooldown
        self.maxCooldown = maxCooldown
        self.probe = probe
        self.clock = clock
    }

    /// The endpoint for the next request, counted as outstanding until `finish`. Nil when every
    /// endpoint is set aside (the caller fails the attempt with class `server` and retries later).
    func checkout() -> (index: Int, url: String)? {
        let t = clock.now
        for i in endpoints.indices {
            if let until = endpoints[i].asideUntil, until <= t, !endpoints[i].probing {
                endpoints[i].probing = true
                let url = endpoints[i].url
                probes[i] = Task { self.probed(i, ok: await self.probe(url)) }
            }
        }
        var best: Int?
        for i in endpoints.indices where endpoints[i].asideUntil == nil {
            if let b = best {
                let e = endpoints[i], c = endpoints[b]
                if e.outstanding < c.outstanding || (e.outstanding == c.outstanding && e.lastPick < c.lastPick) { best = i }
            } else {
                best = i
            }
        }
        guard let i = best else { return nil }
        picks += 1
        endpoints[i].outstanding += 1
        endpoints[i].lastPick = picks
        return (i, endpoints[i].url)
    }

    /// Ends a request. `healthy` is false for failures that say something about the server
    /// (connection errors, timeouts, 5xx), true otherwise.
    package func finish(_ index: Int, healthy: Bool) {
        endpoints[index].outstanding -= 1
        if healthy {
            endpoints[index].consecutiveFailures = 0
            return
        }
        endpoints[index].consecutiveFailures += 1
        if endpoints[index].consecutiveFailures >= failureThreshold, endpoints[index].asideUntil == nil {
            endpoints[index].asideUntil = clock.now.advanced(by: .seconds(endpoints[index].cooldown))
        }
    }

    private func probed(_ index: Int, ok: Bool) {
        endpoints[index].probing = false
        probes[index] = nil
        if ok {
            endpoints[index].asideUntil = nil
            endpoints[index].consecutiveFailures = 0
            endpoints[index].cooldown = baseCooldown
        } else {
            endpoints[index].cooldown = min(maxCooldown, endpoints[index].cooldown * 2)
            endpoints[index].asideUntil = clock.now.advanced(by: .seconds(endpoints[index].cooldown))
        }
    }

    /// (url, outstanding, set aside) of every endpoint, for tests and status.
    package func snapshot() -> [(url: String, outstanding: Int, asideFor: Double?)] {
        let t = clock.now
        return endpoints.map { ($0.url, $0.outstanding, $0.asideUntil.map { max(0, t.duration(to: $0).inSeconds) }) }
    }

    /// Returns once every health probe started so far has answered and been counted.
    func probesSettled() async {
        while let (_, task) = probes.first {
            await task.value
        }
    }

    /// Seconds until the first set-aside endpoint may be probed (for the error message).
    func soonestReturn() -> Double {
        let t = clock.now
        return endpoints.compactMap(\.asideUntil).map { max(0, t.duration(to: $0).inSeconds) }.min() ?? 0
    }
}
