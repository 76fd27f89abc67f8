/// Number formatting shared by every place that writes or compares computed floats.
package enum JSONNumber {
    /// Rounds to 6 decimals: every comparison of a score or a variance in curation uses this value
    /// (SPEC §2.4), and every computed float in an export is written this way (SPEC §4.4).
    @inlinable
    package static func round6(_ x: Double) -> Double {
        (x * 1_000_000).rounded(.toNearestOrAwayFromZero) / 1_000_000
    }

    /// JSON text for a double: Swift's shortest round-trip form (`8.0`, `5.656854`), `null` for a
    /// value JSON cannot hold.
    package static func format(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        return x.description
    }
}
