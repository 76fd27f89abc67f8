import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// Where a model call belongs: the stage and backend that make it, what it asks for, the work it
/// serves and the hash that names its request. Online calls (`timedCall`) and batch answers
/// (`BatchRunner`) both journal through it and check answers with its rules, so a call is
/// recorded and judged the same way whichever path it took.
package struct CallSite: Sendable, Hashable {
    package var stage: StageName
    package var backend: String
    package var kind: CallKind
    package var trajectory: Int64?
    package var turn: Int?
    /// The request's content hash online; a batch request's custom id in batch mode.
    var requestHash: String

    init(stage: StageName, backend: String, kind: CallKind, trajectory: Int64?, turn: Int?, requestHash: String) {
        self.stage = stage
        self.backend = backend
        self.kind = kind
        self.trajectory = trajectory
        self.turn = turn
        self.requestHash = requestHash
    }

    /// The journal row of one attempt at this call.
    package func record(attempt: Int = 1, outcome: CallOutcome, errorClass: CallErrorClass? = nil, httpStatus: Int? = nil,
                        usage: Usage? = nil, cost: Double = 0, latencyMs: Double) -> CallRecord {
        CallRecord(site: self, attempt: attempt, outcome: outcome, errorClass: errorClass, httpStatus: httpStatus,
                   promptTokens: usage?.promptTokens ?? 0, completionTokens: usage?.completionTokens ?? 0,
                   cachedPromptTokens: usage?.cachedPromptTokens ?? 0, cost: cost, latencyMs: latencyMs)
    }

    /// How a call whose retries are spent fails its work: the message names the kind and backend.
    func failure(_ errorClass: CallErrorClass, _ reason: String, record: CallRecord?) -> CallFailure {
        CallFailure(errorClass: errorClass, message: "\(kind) call to \(backend) failed: \(reason)", call: record)
    }
}

/// An answer that arrived whole but cannot be used (an empty instruction, a judge's score out of
/// range). Counted as a parse failure: retried where the path retries, then failing the work.
struct UnusableAnswer: Error, ClassifiedError, CustomStringConvertible {
    var reason: String
    var errorClass: CallErrorClass { .parse }
    var description: String { reason }
}

/// The checks every answer passes before it is committed, online and in batch alike.
enum AnswerCheck {
    /// The expert must either stop or give an instruction.
    static func check(_ answer: ThinkAnswer) throws(UnusableAnswer) {
        guard !answer.instruction.isBlank || answer.satisfied else { throw UnusableAnswer(reason: "the expert gave an empty instruction") }
    }

    /// The judge must give its two numbers, each from 0 to 10.
    static func check(_ answer: JudgeAnswer) throws(UnusableAnswer) {
        guard answer.scores.count == 2, answer.scores.allSatisfy({ (0...10).contains($0.value) }) else {
            throw UnusableAnswer(reason: "the judge must give two numbers from 0 to 10, gave \(answer.scores.map(\.description))")
        }
    }
}

extension CallKind {
    /// The judge's call for one aspect.
    static func judge(_ aspect: JudgeAspect) -> CallKind {
        switch aspect {
        case .semantic: .judgeSemantic
        case .quality: .judgeQuality
        }
    }
}

/// What a stage does with the error one unit of its work ended with (generate's trajectory,
/// score's image): a Ctrl-C or a reached budget only stops it, a store error stops the run, and
/// any other error fails the unit with its class and message (`fail`).
func handleWorkError(_ error: any Error, runFailure: RunFailure, interruption: Interruption,
                     fail: (CallFailure) async -> Void) async {
    switch error {
    case is CancellationError, is BudgetStop: return
    case let e as StoreError: runFailure.report(e, stopping: interruption)
    case let f as CallFailure: await fail(f)
    default: await fail(CallFailure(errorClass: error.journalClass, message: "\(error)", call: nil))
    }
}
