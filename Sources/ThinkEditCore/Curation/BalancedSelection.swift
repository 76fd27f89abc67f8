/// The three-step balanced selection of SPEC §2.6 over candidates already reduced to numbers: a
/// task rank (tasks numbered in byte order of their names) and a score bin per candidate.
///
/// 1. `WaterFilling` across tasks for the target;
/// 2. `WaterFilling` across the bins of each task (bins ascending) for the task's quota;
/// 3. inside a (task, bin) group whose quota is smaller than the group, the units with the
///    smallest lowercase hex `SHA-256("<seed>:<unit id>")`.
/// Hashes are computed only in step 3's cut groups: whole groups need no ranking.
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
    ///   - unitID: the unit id of the candidate at a position (trajectory id or sample id).
    init(
        tasks: [Int32], bins: [Int32], taskCount: Int, binCount: Int, target: Int, seed: UInt64,
        unitID: (Int) -> String
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

        // Counting sort of the positions by group, keeping input order inside a group.
        var start = [Int](repeating: 0, count: groupCount + 1)
        for g in 0..<groupCount { start[g + 1] = start[g] + candidates[g] }
        var next = start
        var members = [Int](repeating: 0, count: tasks.count)
        for i in tasks.indices {
            let g = Int(tasks[i]) * binCount + Int(bins[i])
            members[next[g]] = i
            next[g] += 1
        }

        var chosen = [Int]()
        chosen.reserveCapacity(min(target, tasks.count))
        let prefix = String(seed) + ":"
        for g in 0..<groupCount where quotas[g] > 0 {
            let group = members[start[g]..<start[g + 1]]
            if quotas[g] == group.count {
                chosen.append(contentsOf: group)
                continue
            }
            var ranked = group.map { (key: ContentHash.sha256Hex(prefix + unitID($0)), position: $0) }
            ranked.sort { $0.key != $1.key ? $0.key < $1.key : $0.position < $1.position }
            chosen.append(contentsOf: ranked.prefix(quotas[g]).lazy.map(\.position))
        }
        chosen.sort()

        self.candidates = candidates
        self.quotas = quotas
        self.chosen = chosen
    }
}
