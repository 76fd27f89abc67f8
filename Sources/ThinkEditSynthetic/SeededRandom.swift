import ThinkEditCore

/// The synthetic world's only source of randomness: the project's `SplitMix64` (ThinkEditCore)
/// started from a key such as `"editor:<run seed>:<item>:<turn>"`, with the few draws the world
/// needs. Values are drawn by our own arithmetic (not the standard library's
/// `random(in:using:)`, whose algorithm is not promised), so the same key gives the same stream on
/// every platform and toolchain, and no state is shared between calls.
struct SeededRandom: Sendable {
    private var generator: SplitMix64

    init(state: UInt64) {
        self.generator = SplitMix64(seed: state)
    }

    /// A stream keyed by the SHA-256 of the parts joined with `:`; distinct keys give unrelated
    /// streams even when they differ in one character.
    init(_ parts: String...) {
        self.init(state: SeededRandom.derive(parts))
    }

    static func derive(_ parts: [String]) -> UInt64 {
        let hex = ContentHash.sha256Hex(parts.joined(separator: ":"))
        return UInt64(hex.prefix(16), radix: 16) ?? 0
    }

    mutating func next() -> UInt64 {
        generator.next()
    }

    /// Uniform in [0, 1), from the top 53 bits.
    mutating func unit() -> Double {
        generator.unit()
    }

    /// Uniform in 0..<n (n > 0). The modulo bias is below 2^-40 for the small n used here.
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(n) needs n > 0")
        return Int(next() % UInt64(n))
    }

    /// Uniform in the closed range.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.count)
    }

    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }

    /// Picks an index with probability proportional to its weight.
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }

    /// Fisher–Yates with our own draws.
    mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, below(i + 1))
        }
    }
}
