/// The clock that code which waits, backs off, cools down or measures elapsed time is given.
///
/// Every such place takes one instead of reading the system time, so a test can hand it a
/// `ManualClock` and move time itself: a backoff of one second is then checked by advancing the
/// clock by one second, never by sleeping. Production code passes `.continuous`.
///
/// ```swift
/// let limiter = RateLimiter(requestsPerMinute: 60, tokensPerMinute: nil, clock: .continuous)
/// ```
package struct AnyClock: Clock, Sendable {
    /// A point on the wrapped clock, as the time since the wrapper was made.
    package struct Instant: InstantProtocol, Sendable {
        package var offset: Duration

        package init(offset: Duration) { self.offset = offset }
        package func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        package func duration(to other: Instant) -> Duration { other.offset - offset }
        package static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let readOffset: @Sendable () -> Duration
    private let sleepUntilOffset: @Sendable (Duration, Duration?) async throws -> Void
    package let minimumResolution: Duration

    /// Wraps `clock`; instants count from this moment of it.
    package init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        readOffset = { origin.duration(to: clock.now) }
        sleepUntilOffset = { offset, tolerance in try await clock.sleep(until: origin.advanced(by: offset), tolerance: tolerance) }
        minimumResolution = clock.minimumResolution
    }

    package var now: Instant { Instant(offset: readOffset()) }

    package func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await sleepUntilOffset(deadline.offset, tolerance)
    }

    /// The system's monotonic clock (it keeps counting while the machine sleeps).
    package static var continuous: AnyClock { AnyClock(ContinuousClock()) }
}

extension Clock where Duration == Swift.Duration {
    /// Sleeps `seconds`, rounded to the nanosecond (a non-positive or non-finite value returns at
    /// once, after a cancellation check).
    package func sleep(seconds: Double) async throws {
        guard seconds.isFinite, seconds > 0 else { try Task.checkCancellation(); return }
        try await sleep(for: .nanoseconds(Int64((seconds * 1e9).rounded())))
    }
}

extension Duration {
    /// The duration as a number of seconds.
    package var inSeconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    /// The duration in milliseconds.
    package var inMilliseconds: Double {
        let c = components
        return Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15
    }
}
