/// The three-step balanced selection of SPEC §2.6 over candidates already reduced to numbers: a
/// task rank (tasks numbered in byte order of their names) and a score bin per candidate.
///
/// 1. `WaterFilling` across tasks for the target;
/// 2. `WaterFilling` across the bins of each task (bins ascending) for the task's quota;
/// 3. inside a (task, bin) group whose quota is smaller than the group, the units with the
///    smallest lowercase hex `SHA-256("<seed>:<unit id>")`.
/// Hashes are computed only in step 3's cut groups: whole groups need no ranking.
///
/// The result depends on the candidates only through their groups and unit ids, never on their
/// order (ids are unique; the position breaks a tie only between equal ids).
struct BalancedSelection {
    /// Candidates per (task, bin) group, row-major: `counts[task * binCount + bin]`.
    var candidates: [Int]
    /// Quota per group, same layout.
    var quotas: [Int]
    /// Positions (into the candidate arrays) of the chosen units, ascending.
    var chosen: [Int]

    /// - Parameters:
    ///   - tasks: task rank per candidate (0..<taskCount).
    ///   - bins: score bin per candidate (0..<binCount).
    ///   - appendUnitID: appends the UTF-8 of the unit id (trajectory id or sample id) of the
    ///     candidate at a position. Bytes rather than a `String`: building a million small strings
    ///     cost more than hashing them.
    init(
        tasks: [Int32], bins: [Int32], taskCount: Int, binCount: Int, target: Int, seed: UInt64,
        appendUnitID: (Int, inout [UInt8]) -> Void
    ) {
        precondition(tasks.count == bins.count)
        let groupCount = taskCount * binCount
        var candidates = [Int](repeating: 0, count: groupCount)
        for i in tasks.indices {
            candidates[Int(tasks[i]) * binCount + Int(bins[i])] += 1
        }

        var quotas = [Int](repeating: 0, count: groupCount)
        let taskSizes = (0..<taskCount).map { task in
            candidates[(task * binCount)..<((task + 1) * binCount)].reduce(0, +)
        }
        let taskQuotas = WaterFilling.quotas(sizes: taskSizes, target: target)
        for task in 0..<taskCount where taskQuotas[task] > 0 {
            let range = (task * binCount)..<((task + 1) * binCount)
            let binQuotas = WaterFilling.quotas(sizes: Array(candidates[range]), target: taskQuotas[task])
            quotas.replaceSubrange(range, with: binQuotas)
        }

        // One pass in input order (the caller's arrays are read sequentially, which matters at a
        // million units): whole groups are taken at once, units of cut groups get their rank key.
        var chosen = [Int]()
        chosen.reserveCapacity(min(target, tasks.count))
        var ranked = [[RankKey]](repeating: [], count: groupCount)
        for g in 0..<groupCount where quotas[g] > 0 && quotas[g] < candidates[g] {
            ranked[g].reserveCapacity(candidates[g])
        }
        // The hashed text is "<seed>:<unit id>"; the buffer keeps the "<seed>:" part between units.
        var text = Array((String(seed) + ":").utf8)
        let prefixLength = text.count
        for position in tasks.indices {
            let g = Int(tasks[position]) * binCount + Int(bins[position])
            if quotas[g] == candidates[g] {
                chosen.append(position)
            } else if quotas[g] > 0 {
                text.removeSubrange(prefixLength...)
                appendUnitID(position, &text)
                ranked[g].append(RankKey(digest: ContentHash.sha256Words(text), position: position))
            }
        }
        for g in ranked.indices where !ranked[g].isEmpty {
            ranked[g].sort()
            chosen.append(contentsOf: ranked[g].prefix(quotas[g]).lazy.map(\.position))
        }
        chosen.sort()

        self.candidates = candidates
        self.quotas = quotas
        self.chosen = chosen
    }
}

/// A unit's place in the SHA-256 ranking: ordered by its lowercase hex digest, smallest first.
/// The 64 hex digits are kept as four 64-bit numbers, which order exactly like the text: comparing
/// and keeping a million `String`s cost more time and memory than the hashing itself. The position
/// decides only between equal digests, i.e. equal unit ids.
struct RankKey: Comparable {
    let digest: (UInt64, UInt64, UInt64, UInt64)
    let position: Int

    init(digest: (UInt64, UInt64, UInt64, UInt64), position: Int) {
        self.digest = digest
        self.position = position
    }

    init(hex: String, position: Int) {
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var word: UInt64 = 0
        for (i, byte) in hex.utf8.prefix(64).enumerated() {
            let digit = byte >= UInt8(ascii: "a") ? byte - UInt8(ascii: "a") + 10 : byte - UInt8(ascii: "0")
            word = word << 4 | UInt64(digit)
            switch i {
            case 15: digest.0 = word
            case 31: digest.1 = word
            case 47: digest.2 = word
            case 63: digest.3 = word
            default: continue
            }
            word = 0
        }
        self.digest = digest
        self.position = position
    }

    static func < (a: RankKey, b: RankKey) -> Bool {
        if a.digest.0 != b.digest.0 { return a.digest.0 < b.digest.0 }
        if a.digest.1 != b.digest.1 { return a.digest.1 < b.digest.1 }
        if a.digest.2 != b.digest.2 { return a.digest.2 < b.digest.2 }
        if a.digest.3 != b.digest.3 { return a.digest.3 < b.digest.3 }
        return a.position < b.position
    }

    static func == (a: RankKey, b: RankKey) -> Bool {
        a.digest == b.digest && a.position == b.position
    }
}
