import ThinkEditCore

/// One attempt of a model call, as the reliability layer saw it: the journal keeps every attempt,
/// not only the final outcome, so `status` can show how often a backend rate-limits or times out.
public struct AttemptReport: Sendable, Hashable {
    public var backend: String
    /// 1-based attempt number.
    public var attempt: Int
    /// `ok` or `error`.
    public var outcome: String
    public var errorClass: CallErrorClass?
    public var httpStatus: Int?
    public var usage: Usage?
    public var latencyMs: Double
    /// False when the layer will try again after this attempt.
    public var isFinal: Bool
    /// A short, key-free description of the failure.
    public var message: String?

    public init(backend: String, attempt: Int, outcome: String, errorClass: CallErrorClass? = nil, httpStatus: Int? = nil,
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
public protocol AttemptObserver: Sendable {
    func record(_ attempt: AttemptReport)
}

/// Where attempts are reported. A stage installs an observer around one logical call
/// (`AttemptJournal.$observer.withValue(...)`); drivers never need to know who listens, and the
/// `Thinker`/`Editor`/`Scorer` protocols stay free of journaling parameters.
public enum AttemptJournal {
    @TaskLocal public static var observer: (any AttemptObserver)?
}
