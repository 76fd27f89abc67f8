/// Values derived from ids with the one hash function, so that they are the same on every
/// machine, in every shard, whatever the order of work.
package enum Derivation {
    /// The first 8 bytes of SHA-256(`text`) as a big-endian integer.
    static func hash64(_ text: String) -> UInt64 {
        let hex = ContentHash.sha256Hex(text)
        return UInt64(hex.prefix(16), radix: 16)!
    }

    /// The seed of the editor call of `turn` in trajectory `id` (SPEC §2.2): reruns are reproducible.
    package static func editorSeed(runSeed: UInt64, trajectory id: String, turn: Int) -> UInt64 {
        hash64("editor-seed:\(runSeed):\(id):\(turn)")
    }

    /// Which of the weighted editors an item goes to: a stable hash of its id, placed on the
    /// cumulative weights. Adding items never moves an existing one.
    package static func editorIndex(item id: String, weights: [Double]) -> Int {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 > 0 }, "editor weights must be positive")
        let u = Double(hash64("editor:\(id)") >> 11) * 0x1p-53
        let total = weights.reduce(0, +)
        var cumulative = 0.0
        for (i, w) in weights.enumerated() {
            cumulative += w / total
            if u < cumulative { return i }
        }
        return weights.count - 1
    }

    /// The shard (0..<count) a pool item belongs to for `--shard i/n`.
    package static func shard(item id: String, count: Int) -> Int {
        Int(hash64("shard:\(id)") % UInt64(count))
    }
}
