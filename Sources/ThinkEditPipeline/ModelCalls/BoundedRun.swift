import ThinkEditCore

/// Runs `body` over `items` with at most `inFlight` at once; stops taking new items when the
/// interruption asks, and cancels what is left once its grace period is over.
func runBounded(_ items: [Int64], inFlight: Int, interruption: Interruption,
                _ body: @escaping @Sendable (Int64) async -> Void) async -> (finished: Int, interrupted: Bool) {
    var finished = 0
    await withTaskGroup(of: Bool.self) { group in
        // The watchdog ends the grace period of a Ctrl-C by cancelling the calls still in flight.
        group.addTask {
            do {
                try await interruption.waitForGraceToExpire()
                return true
            } catch {
                return false
            }
        }
        var next = 0
        var running = 0
        func addNext() -> Bool {
            guard !interruption.isStopping, next < items.count else { return false }
            let seq = items[next]
            next += 1
            group.addTask { await body(seq); return false }
            return true
        }
        while running < inFlight, addNext() { running += 1 }
        while running > 0, let isWatchdog = await group.next() {
            if isWatchdog {
                group.cancelAll()
                continue
            }
            running -= 1
            finished += 1
            if addNext() { running += 1 }
        }
        group.cancelAll()
    }
    return (finished, interruption.isStopping)
}
