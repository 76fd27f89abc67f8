import ThinkEditCore

/// One attempt of a model call, as the reliability layer saw it: the journal keeps every attempt,
/// not only the final outcome, so `status` can show how often a backend rate-limits or times out.
package struct AttemptReport: Sendable, Hashable {
    package var backend: String
    /// 1-based attempt number.
    package var attempt: Int
    /// `ok` or `error`.
    package var outcome: CallOutcome
    package var errorClass: CallErrorClass?
    package var httpStatus: Int?
    package var usage: Usage?
    package var latencyMs: Double
    /// False when the layer will try again after this attempt.
    package var isFinal: Bool
    /// A short, key-free description of the failure.
    package var message: String?

    init(backend: String, attempt: Int, outcome: CallOutcome, errorClass: CallErrorClass? = nil, httpStatus: Int? = nil,
                usage: Usage? = nil, latencyMs: Double, isFinal: Bool, message: String? = nil) {
        self.backend = backend
        self.attempt = attempt
        self.outcome = outcome
        self.errorClass = errorClass
        self.httpStatus = httpStatus
        self.usage = usage
        self.latencyMs = latencyMs
        self.isFinal = isFinal
        self.message = message
    }
}

/// Receives every attempt of the calls made while it is installed.
package protocol AttemptObserver: Sendable {
    func record(_ attempt: AttemptReport)
}

/// Where attempts are reported. A stage installs an observer around one logical call
/// (`AttemptJournal.$observer.withValue(...)`); drivers never need to know who listens, and the
/// `Thinker`/`Editor`/`Scorer` protocols stay free of journaling parameters.
package enum AttemptJournal {
    @TaskLocal package static var observer: (any AttemptObserver)?
}
