import Foundation
import Synchronization
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
    /// Watches every attempt's deadline on `clock` (shared by copies of this layer).
    private let deadlines: DeadlineWatch

    /// The limit handed to the HTTP client itself. The deadline that counts is `timeout` on
    /// `clock`; this one only stops a request whose cancellation went astray, so it is set well
    /// behind it rather than racing it.
    var transportTimeout: Double { timeout + 30 }

    package init(backend: String, retry: RetryPolicy, timeout: Double, limiter: RateLimiter? = nil, clock: AnyClock = .continuous) {
        self.backend = backend
        self.retry = retry
        self.timeout = timeout
        self.limiter = limiter
        self.clock = clock
        self.deadlines = DeadlineWatch(clock: clock)
    }

    /// Runs `attempt` until it succeeds, fails with a class that is not retryable, or runs out of
    /// retries. The final error is a `BackendError` carrying the attempt count. `estimatedTokens`
    /// is charged to the tokens-per-minute limit before each attempt.
    func perform<T: Sendable>(estimatedTokens: Int = 0,
                                     _ attempt: @escaping @Sendable () async throws -> (T, Usage?)) async throws -> T {
        var number = 0
        while true {
            number += 1
            try Task.checkCancellation()
            if let limiter { try await limiter.admit(tokens: estimatedTokens) }
            let start = clock.now
            func elapsedMs() -> Double { start.duration(to: clock.now).inMilliseconds }
            do {
                let (value, usage) = try await withDeadline(seconds: timeout, backend: backend, clock: clock, watch: deadlines, attempt)
                if let limiter, let usage { await limiter.settle(estimated: estimatedTokens, actual: usage.promptTokens + usage.completionTokens) }
                AttemptJournal.observer?.record(AttemptReport(backend: backend, attempt: number, outcome: .ok, httpStatus: 200,
                                                             usage: usage, latencyMs: elapsedMs(), isFinal: true))
                return value
            } catch {
                if Task.isCancelled { throw CancellationError() }
                var failure = classify(error)
                let final = !failure.kind.isRetryable || number > retry.maxRetries
                AttemptJournal.observer?.record(AttemptReport(backend: backend, attempt: number, outcome: .error,
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

    /// Attempts out now, each with its deadline armed (tests use it to move a manual clock only
    /// when every attempt out is one they know the server holds).
    var armedDeadlines: Int { deadlines.armedCount }

    private func classify(_ error: any Error) -> BackendError {
        if let e = error as? BackendError { return e }
        if let e = error as? HTTPTransportError { return e.backendError(backend: backend) }
        return BackendError(.network, backend: backend, "\(error)")
    }
}

/// Runs `body`, cancelling it and throwing a `timeout` error when it has not finished after
/// `seconds` of `clock` (watched by `watch`). The deadline covers the whole answer, body
/// included, not only the response head.
func withDeadline<T: Sendable>(seconds: Double, backend: String, clock: AnyClock, watch: DeadlineWatch,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let timedOut = Atomic<Bool>(false)
    let attempt = Task { try await body() }
    let deadline = clock.now.advanced(by: .seconds(min(seconds, 1e9)))
    let id = watch.arm(deadline) {
        timedOut.store(true, ordering: .sequentiallyConsistent)
        attempt.cancel()
    }
    defer { watch.disarm(id) }
    let result = await withTaskCancellationHandler {
        await attempt.result
    } onCancel: {
        attempt.cancel()
    }
    switch result {
    case .success(let value):
        return value
    case .failure(let error):
        if Task.isCancelled { throw CancellationError() }
        if timedOut.load(ordering: .sequentiallyConsistent) {
            throw BackendError(.timeout, backend: backend,
                               "no complete answer within \(secondsText(seconds)) s (timeout_seconds); the server may be overloaded")
        }
        throw error
    }
}

func secondsText(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(format: "%.3g", s)
}
