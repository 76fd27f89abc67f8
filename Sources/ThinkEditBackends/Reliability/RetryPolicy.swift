/// When to send a failed call again and how long to wait first: exponential backoff from
/// `baseDelay`, capped at `maxDelay`, with jitter so that many callers hit by one outage do not
/// come back in the same instant; a server's `Retry-After` wins over the computed wait.
package struct RetryPolicy: Sendable, Hashable {
    /// Attempts after the first; 0 means one attempt only.
    package var maxRetries: Int
    var baseDelay: Double
    var maxDelay: Double
    /// The longest `Retry-After` honoured; a server asking for more is waited on this long.
    var maxRetryAfter: Double

    package init(maxRetries: Int, baseDelay: Double = 1, maxDelay: Double = 60, maxRetryAfter: Double = 600) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// Seconds to wait after failed attempt `attempt` (1-based). `unit` is a uniform draw in [0, 1).
    package func delay(afterAttempt attempt: Int, retryAfter: Double?, unit: Double) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maxRetryAfter) }
        let exponential = min(maxDelay, baseDelay * Double(1 << min(attempt - 1, 30)))
        // "Equal jitter": at least half the backoff, so waits still grow with each failure.
        return exponential / 2 + exponential / 2 * unit
    }
}
