/// Balanced selection quotas, "water-filling" (SPEC §2.6 steps 1 and 2), on plain numbers.
///
/// Given the number of available units per key and a target, every key gets `min(size, q)` for the
/// largest integer `q` whose total still fits the target; the units left over go one each to the
/// keys still holding more than `q`, in the order the keys are given. Small groups are taken whole,
/// large groups are cut to the same level, and the level is as high as the target allows.
///
/// Callers pass keys in the SPEC's order: task names in byte (UTF-8) order for step 1, score bins
/// ascending for step 2. When everything fits (`sum(sizes) <= target`) the quotas are the sizes and
/// the difference is the caller's shortfall.
enum WaterFilling {
    /// Quota per key, same order as `sizes`. Negative sizes count as 0, a negative target as 0.
    static func quotas(sizes: [Int], target: Int) -> [Int] {
        let sizes = sizes.map { max(0, $0) }
        let target = max(0, target)
        if sizes.reduce(0, +) <= target { return sizes }

        // total(q) is non-decreasing in q, total(0) = 0 <= target and total(max size) > target:
        // binary search for the largest q with total(q) <= target.
        func total(_ q: Int) -> Int { sizes.reduce(0) { $0 + min($1, q) } }
        var low = 0                      // total(low) <= target
        var high = sizes.max() ?? 0      // total(high) > target
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if total(mid) <= target { low = mid } else { high = mid }
        }
        var quotas = sizes.map { min($0, low) }
        // Fewer than (keys above low) units remain, since total(low + 1) > target.
        var remaining = target - total(low)
        for i in quotas.indices where remaining > 0 && sizes[i] > low {
            quotas[i] += 1
            remaining -= 1
        }
        return quotas
    }
}

extension String {
    /// Byte order of the UTF-8 encodings: the order SPEC §2.6 hands remainders in. Swift's `<` on
    /// strings follows Unicode canonical ordering instead, which differs for some texts.
    static func byteOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
