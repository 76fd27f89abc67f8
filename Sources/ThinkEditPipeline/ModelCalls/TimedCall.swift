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

    var description: String { message }
}

/// Runs one call under its backend's limit, timing it and journaling its outcome. The drivers'
/// reliability layer reports every attempt; the attempts it will retry go to `journal` at once
/// (`store.recordCall`), the final one becomes the returned record, committed with the result.
/// The call's projected cost is reserved under `budget` before it waits for a permit. With
/// `cached`, an answer the response cache holds is returned without a call (journaled as
/// `cached`, at no cost, outside the backend's limit and the budget), and a new answer is kept.
/// `body` throws `UnusableAnswer` (`AnswerCheck`) for an answer that cannot be used.
func timedCall<T: Sendable, B>(_ site: CallSite, through member: BackendSet.Member<B>, clock: AnyClock,
                               journal: (@Sendable (CallRecord) -> Void)? = nil, budget: SpendGuard? = nil, cached: CachedCall<T>? = nil,
                               _ body: @escaping @Sendable () async throws -> (T, Usage?)) async throws -> (T, CallRecord) {
    var leading = false
    if let cached {
        let start = clock.now
        func served(_ value: T) -> (T, CallRecord) {
            (value, site.record(outcome: .cached, latencyMs: start.duration(to: clock.now).inMilliseconds))
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
    let settings = member.settings
    let reserved = budget.map { $0.projected(site.kind, estimate: { SpendGuard.estimate(settings, requestBytes: nil, batch: false) }) } ?? 0
    if let budget, !budget.reserve(reserved) { throw BudgetStop() }
    var settled = false
    defer { if !settled { budget?.settle(reserved: reserved, actual: 0, kind: site.kind, answered: false) } }
    let start = clock.now
    func elapsed() -> Double { start.duration(to: clock.now).inMilliseconds }
    let attempts = AttemptRecorder { report in
        journal?(site.record(attempt: report.attempt, outcome: report.outcome, errorClass: report.errorClass,
                             httpStatus: report.httpStatus, latencyMs: report.latencyMs))
    }
    do {
        let (value, usage) = try await AttemptJournal.$observer.withValue(attempts) {
            try await member.limiter.withPermit { try await body() }
        }
        try Task.checkCancellation()
        let last = attempts.last
        let record = site.record(attempt: last?.attempt ?? 1, outcome: .ok, httpStatus: last?.httpStatus, usage: usage,
                                 cost: member.cost(usage), latencyMs: elapsed())
        budget?.settle(reserved: reserved, actual: record.cost, kind: site.kind, answered: true)
        settled = true
        if let cached, !cached.keptByCaller { cached.keep(value) }
        answer = value
        return (value, record)
    } catch is CancellationError {
        throw CancellationError()
    } catch let unusable as UnusableAnswer {
        throw CallFailure(errorClass: .parse, message: unusable.reason,
                          call: site.record(attempt: attempts.last?.attempt ?? 1, outcome: .error, errorClass: .parse, latencyMs: elapsed()))
    } catch {
        let cls = error.journalClass
        let last = attempts.last
        throw site.failure(cls, "\(error)", record: site.record(attempt: last?.attempt ?? 1, outcome: .error, errorClass: cls,
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
