import ThinkEditCore

/// A failed backend call, classified. Its message names the backend and says what to check; it
/// never contains a key (drivers pass server text through `APIKey.redact` first).
package struct BackendError: ClassifiedError, CustomStringConvertible, Sendable {
    package var kind: CallErrorClass
    /// The backend's configured name.
    package var backend: String
    package var message: String
    package var httpStatus: Int?
    /// Seconds the server asked us to wait (`Retry-After`), when it said.
    var retryAfter: Double?
    /// How many attempts were made before giving up (set by the reliability layer).
    package var attempts: Int

    package init(_ kind: CallErrorClass, backend: String, _ message: String, httpStatus: Int? = nil, retryAfter: Double? = nil) {
        self.kind = kind
        self.backend = backend
        self.message = message
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
        self.attempts = 1
    }

    package var errorClass: CallErrorClass { kind }

    package var description: String {
        let tries = attempts > 1 ? " (gave up after \(attempts) attempts)" : ""
        return "backend \(backend): \(kind.rawValue): \(message)\(tries)"
    }
}

/// A backend the config describes but that cannot be built (no key, unreadable prompt...).
package struct BackendSetupError: Error, CustomStringConvertible, Sendable {
    package var backend: String
    package var message: String

    package init(backend: String, _ message: String) {
        self.backend = backend
        self.message = message
    }

    package var description: String { "backend \(backend): \(message)" }
}
