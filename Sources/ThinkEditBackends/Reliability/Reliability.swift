import Foundation
import ThinkEditCore

/// The one reliability layer every HTTP driver goes through: rate limits, a deadline per attempt,
/// retries with backoff on the retryable error classes, and an `AttemptReport` for each attempt.
/// The concurrency limit is not here: the stages hold one `AsyncSemaphore` per backend around the
/// whole call (retries included), so there is one place for it.
package struct Reliability: Sendable {
    package var backend: String
    package var retry: RetryPolicy
    /// Seconds one attempt may take, from sending the request to the last byte of the answer.
    package var timeout: Double
    package var limiter: RateLimiter?
    /// Times the deadline, the backoff waits and the latency reported for each attempt.
    package var clock: AnyClock

    /// The limit handed to the HTTP client itself. The deadline that counts is `timeout` on
    /// `clock`; this one only stops a request whose cancellation went astray, so it is set well
    /// behind it rather than racing it.
    package var transportTimeout: Double { timeout + 30 }

    package init(backend: String, retry: RetryPolicy, timeout: Double, limiter: RateLimiter? = nil, clock: AnyClock = .continuous) {
        self.backend = backend
        self.retry = retry
        self.timeout = timeout
        self.limiter = limiter
        self.clock = clock
    }

    /// Runs `attempt` until it succeeds, fails with a class that is not retryable, or runs out of
    /// retries. The final error is a `BackendError` carrying the attempt count. `estimatedTokens`
    /// is charged to the tokens-per-minute limit before each attempt.
    package func perform<T: Sendable>(estimatedTokens: Int = 0,
                                     _ attempt: @escaping @Sendable () async throws -> (T, Usage?)) async throws -> T {
        var number = 0
        while true {
            number += 1
            try Task.checkCancellation()
            if let limiter { try await limiter.admit(tokens: estimatedTokens) }
            let start = clock.now
            func elapsedMs() -> Double { start.duration(to: clock.now).inMilliseconds }
            do {
                let (value, usage) = try await withDeadline(seconds: timeout, backend: backend, clock: clock, attempt)
                if let limiter, let usage { await limiter.settle(estimated: estimatedTokens, actual: usage.promptTokens + usage.completionTokens) }
                AttemptJournal.observer?.record(AttemptReport(backend: backend, attempt: number, outcome: "ok", httpStatus: 200,
                                                             usage: usage, latencyMs: elapsedMs(), isFinal: true))
                return value
            } catch {
                if Task.isCancelled { throw CancellationError() }
                var failure = classify(error)
                let final = !failure.kind.isRetryable || number > retry.maxRetries
                AttemptJournal.observer?.record(AttemptReport(backend: backend, attempt: number, outcome: "error",
                                                             errorClass: failure.errorClass, httpStatus: failure.httpStatus,
                                                             latencyMs: elapsedMs(), isFinal: final, message: failure.message))
                if final {
                    failure.attempts = number
                    throw failure
                }
                let wait = retry.delay(afterAttempt: number, retryAfter: failure.retryAfter, unit: Double.random(in: 0..<1))
                try await clock.sleep(seconds: wait)
            }
        }
    }

    private func classify(_ error: any Error) -> BackendError {
        if let e = error as? BackendError { return e }
        if let e = error as? HTTPTransportError { return e.backendError(backend: backend) }
        return BackendError(.network, backend: backend, "\(error)")
    }
}

/// Runs `body`, cancelling it and throwing a `timeout` error when it has not finished after
/// `seconds` of `clock`. The deadline covers the whole answer, body included, not only the response head.
func withDeadline<T: Sendable>(seconds: Double, backend: String, clock: AnyClock,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(seconds: seconds)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        guard let value = first else {
            throw BackendError(.timeout, backend: backend,
                               "no complete answer within \(secondsText(seconds)) s (timeout_seconds); the server may be overloaded")
        }
        return value
    }
}

func secondsText(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(format: "%.3g", s)
}
