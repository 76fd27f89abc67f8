import Foundation

/// The editor servers of one backend and their health. Each request goes to the endpoint with the
/// fewest outstanding requests (ties: the one used least recently, so idle servers share the load).
/// An endpoint that fails `failureThreshold` times in a row is set aside for `cooldown` seconds;
/// after that it gets traffic again only once a `GET /health` probe succeeds (a failed probe doubles
/// its cooldown, up to `maxCooldown`).
public actor EndpointPool {
    struct Endpoint {
        var url: String
        var outstanding = 0
        var consecutiveFailures = 0
        var asideUntil: Double?
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

    public init(urls: [String], failureThreshold: Int = 3, cooldown: Double = 30, maxCooldown: Double = 600,
                probe: @escaping @Sendable (String) async -> Bool) {
        precondition(!urls.isEmpty, "an endpoint pool needs at least one URL")
        endpoints = urls.map { Endpoint(url: $0.hasSuffix("/") ? String($0.dropLast()) : $0, cooldown: cooldown) }
        self.failureThreshold = failureThreshold
        baseCooldown = cooldown
        self.maxCooldown = maxCooldown
        self.probe = probe
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// The endpoint for the next request, counted as outstanding until `finish`. Nil when every
    /// endpoint is set aside (the caller fails the attempt with class `server` and retries later).
    public func checkout() -> (index: Int, url: String)? {
        let t = Self.now()
        for i in endpoints.indices {
            if let until = endpoints[i].asideUntil, until <= t, !endpoints[i].probing {
                endpoints[i].probing = true
                let url = endpoints[i].url
                Task { await self.probed(i, ok: await self.probe(url)) }
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
    public func finish(_ index: Int, healthy: Bool) {
        endpoints[index].outstanding -= 1
        if healthy {
            endpoints[index].consecutiveFailures = 0
            return
        }
        endpoints[index].consecutiveFailures += 1
        if endpoints[index].consecutiveFailures >= failureThreshold, endpoints[index].asideUntil == nil {
            endpoints[index].asideUntil = Self.now() + endpoints[index].cooldown
        }
    }

    private func probed(_ index: Int, ok: Bool) {
        endpoints[index].probing = false
        if ok {
            endpoints[index].asideUntil = nil
            endpoints[index].consecutiveFailures = 0
            endpoints[index].cooldown = baseCooldown
        } else {
            endpoints[index].cooldown = min(maxCooldown, endpoints[index].cooldown * 2)
            endpoints[index].asideUntil = Self.now() + endpoints[index].cooldown
        }
    }

    /// (url, outstanding, set aside) of every endpoint, for tests and status.
    public func snapshot() -> [(url: String, outstanding: Int, asideFor: Double?)] {
        let t = Self.now()
        return endpoints.map { ($0.url, $0.outstanding, $0.asideUntil.map { max(0, $0 - t) }) }
    }

    /// Seconds until the first set-aside endpoint may be probed (for the error message).
    public func soonestReturn() -> Double {
        let t = Self.now()
        return endpoints.compactMap(\.asideUntil).map { max(0, $0 - t) }.min() ?? 0
    }
}
