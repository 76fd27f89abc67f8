/// The journal's vocabulary for why a model call failed, and whether trying again can help.
public enum CallErrorClass: String, Sendable, Hashable, CaseIterable {
    /// 429: the provider asks us to slow down.
    case rateLimit = "rate_limit"
    /// 5xx, or an editor that answered `success: false`.
    case server
    /// No complete answer before the deadline.
    case timeout
    /// The connection failed or was reset.
    case network
    /// 400, 404, 405, 413, 422...: the request itself is wrong; sending it again cannot help.
    case badRequest = "bad_request"
    /// 401 / 403: the key is missing, wrong, or lacks access.
    case auth
    /// The answer arrived but is unusable: malformed JSON, missing fields, bad base64, too large.
    case parse
    /// The model declined (content filter, refusal).
    case refused

    /// Whether the reliability layer sends the call again (SPEC §2.2: an unparseable answer is
    /// retried like a failed call).
    public var isRetryable: Bool {
        switch self {
        case .rateLimit, .server, .timeout, .network, .parse: return true
        case .badRequest, .auth, .refused: return false
        }
    }
}

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

    public var errorClass: String { kind.rawValue }

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
