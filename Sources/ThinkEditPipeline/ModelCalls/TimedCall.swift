import Foundation
import Synchronization
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// A model call that failed for good, with its journal row.
struct CallFailure: Error, ClassifiedError, CustomStringConvertible {
    var errorClass: CallErrorClass
    var message: String
    var call: CallRecord?

    static func parse(_ message: String) -> CallFailure { CallFailure(errorClass: .parse, message: message, call: nil) }
    var description: String { message }
}

/// Runs one call under its backend's limit, timing it and journaling its outcome. The drivers'
/// reliability layer reports every attempt; the attempts it will retry go to `journal` at once
/// (`store.recordCall`), the final one becomes the returned record, committed with the result.
/// With `cached`, an answer the response cache holds is returned without a call (journaled as
/// `cached`, at no cost, outside the backend's limit and the budget), and a new answer is kept.
func timedCall<T: Sendable>(stage: StageName, backend: String, kind: String, seq: Int64, turn: Int, requestHash: String,
                            limiter: AsyncSemaphore, clock: AnyClock, price: @escaping @Sendable (Usage?) -> Double,
                            journal: (@Sendable (CallRecord) -> Void)? = nil,
                            budget: SpendGuard? = nil, estimate: () -> Double = { 0 }, cached: CachedCall<T>? = nil,
                            _ body: @escaping @Sendable () async throws -> (T, Usage?)) async throws -> (T, CallRecord) {
    var leading = false
    if let cached {
        let start = clock.now
        func served(_ value: T) -> (T, CallRecord) {
            (value, CallRecord(stage: stage, backend: backend, kind: kind, trajectorySeq: seq, turn: turn, requestHash: requestHash,
                               outcome: CallRecord.cachedOutcome, latencyMs: start.duration(to: clock.now).inMilliseconds))
        }
        if let value = cached.hit() { return served(value) }
        switch await cached.join() {
        case .lead: leading = true
        case .answered(let value?): if let value = value as? T { return served(value) }
        case .answered(nil):
            // That call failed (this one tries for itself), or ended just before: its answer is kept.
            if let value = cached.hit() { return served(value) }
        }
    }
    var answer: T? = nil
    defer { if leading { cached?.finish(answer) } }
    // The call's projected cost is reserved under the stage's cap before it waits for a permit.
    let reserved = budget.map { $0.projected(kind, estimate: estimate) } ?? 0
    if let budget, !budget.reserve(reserved) { throw BudgetStop() }
    var settled = false
    defer { if !settled { budget?.settle(reserved: reserved, actual: 0, kind: kind, answered: false) } }
    let start = clock.now
    func elapsed() -> Double { start.duration(to: clock.now).inMilliseconds }
    let attempts = AttemptRecorder { report in
        journal?(CallRecord(stage: stage, backend: backend, kind: kind, trajectorySeq: seq, turn: turn, requestHash: requestHash,
                            attempt: report.attempt, outcome: report.outcome, errorClass: report.errorClass,
                            httpStatus: report.httpStatus, latencyMs: report.latencyMs))
    }
    do {
        let (value, usage) = try await AttemptJournal.$observer.withValue(attempts) {
            try await limiter.withPermit { try await body() }
        }
        try Task.checkCancellation()
        let last = attempts.last
        let record = CallRecord(stage: stage, backend: backend, kind: kind, trajectorySeq: seq, turn: turn, requestHash: requestHash,
                                attempt: last?.attempt ?? 1, outcome: "ok", httpStatus: last?.httpStatus,
                                promptTokens: usage?.promptTokens ?? 0, completionTokens: usage?.completionTokens ?? 0,
                                cachedPromptTokens: usage?.cachedPromptTokens ?? 0, cost: price(usage), latencyMs: elapsed())
        budget?.settle(reserved: reserved, actual: record.cost, kind: kind, answered: true)
        settled = true
        if let cached, !cached.keptByCaller { cached.keep(value) }
        answer = value
        return (value, record)
    } catch is CancellationError {
        throw CancellationError()
    } catch var failure as CallFailure {
        failure.call = CallRecord(stage: stage, backend: backend, kind: kind, trajectorySeq: seq, turn: turn, requestHash: requestHash,
                                  attempt: attempts.last?.attempt ?? 1, outcome: "error", errorClass: failure.errorClass,
                                  latencyMs: elapsed())
        throw failure
    } catch {
        let cls = error.journalClass
        let last = attempts.last
        throw CallFailure(errorClass: cls, message: "\(kind) call to \(backend) failed: \(error)",
                          call: CallRecord(stage: stage, backend: backend, kind: kind, trajectorySeq: seq, turn: turn,
                                           requestHash: requestHash, attempt: last?.attempt ?? 1, outcome: "error", errorClass: cls,
                                           httpStatus: last?.httpStatus, latencyMs: elapsed()))
    }
}

/// The attempt observer a stage installs around one call: retried attempts go straight to the
/// journal; the final attempt is remembered for the record committed with the call's result.
final class AttemptRecorder: AttemptObserver, Sendable {
    private let finalAttempt = Mutex<AttemptReport?>(nil)
    private let retried: @Sendable (AttemptReport) -> Void

    init(retried: @escaping @Sendable (AttemptReport) -> Void) { self.retried = retried }

    func record(_ attempt: AttemptReport) {
        if attempt.isFinal {
            finalAttempt.withLock { $0 = attempt }
        } else {
            retried(attempt)
        }
    }

    var last: AttemptReport? { finalAttempt.withLock { $0 } }
}
