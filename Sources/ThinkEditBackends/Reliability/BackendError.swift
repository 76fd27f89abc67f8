import ThinkEditCore

/// A failed backend call, classified. Its message names the backend and says what to check; it
/// never contains a key (drivers pass server text through `APIKey.redact` first).
public struct BackendError: ClassifiedError, CustomStringConvertible, Sendable {
    public var kind: CallErrorClass
    /// The backend's configured name.
    public var backend: String
    public var message: String
    public var httpStatus: Int?
    /// Seconds the server asked us to wait (`Retry-After`), when it said.
    public var retryAfter: Double?
    /// How many attempts were made before giving up (set by the reliability layer).
    public var attempts: Int

    public init(_ kind: CallErrorClass, backend: String, _ message: String, httpStatus: Int? = nil, retryAfter: Double? = nil) {
        self.kind = kind
        self.backend = backend
        self.message = message
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
        self.attempts = 1
    }

    public var errorClass: CallErrorClass { kind }

    public var description: String {
        let tries = attempts > 1 ? " (gave up after \(attempts) attempts)" : ""
        return "backend \(backend): \(kind.rawValue): \(message)\(tries)"
    }
}

/// A backend the config describes but that cannot be built (no key, unreadable prompt...).
public struct BackendSetupError: Error, CustomStringConvertible, Sendable {
    public var backend: String
    public var message: String

    public init(backend: String, _ message: String) {
        self.backend = backend
        self.message = message
    }

    public var description: String { "backend \(backend): \(message)" }
}
