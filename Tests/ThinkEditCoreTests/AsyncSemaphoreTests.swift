import Testing
@testable import ThinkEditCore

/// The per-backend call limit: bounded, and a cancelled waiter leaves without taking a permit.
@Suite(.timeLimit(.minutes(1))) struct AsyncSemaphoreTests {
    @Test func aCancelledWaiterThrowsAndTakesNoPermit() async throws {
        let limit = AsyncSemaphore(limit: 1)
        try await limit.acquire()
        let waiter = Task { try await limit.acquire() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        // The one permit is still the holder's to return; once returned, it is free at once.
        limit.release()
        try await limit.acquire()
        limit.release()
    }

    @Test func atMostLimitBodiesRunAtOnce() async throws {
        let limit = AsyncSemaphore(limit: 3)
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await limit.withPermit {
                        await gauge.enter()
                        await Task.yield()
                        await gauge.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await gauge.peak <= 3)
        #expect(await gauge.peak >= 1)
    }

    actor Gauge {
        var now = 0
        var peak = 0
        func enter() { now += 1; peak = max(peak, now) }
        func leave() { now -= 1 }
    }
}
