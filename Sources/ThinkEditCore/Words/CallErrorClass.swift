/// The journal's vocabulary for why a model call failed, and whether trying again can help.
package enum CallErrorClass: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
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
    /// A chat model declined to answer (a refusal, or the provider's filter cut its text).
    case refused
    /// The answer stopped at the token limit (`finish_reason: length`): the limit the backend's
    /// config sets (`max_completion_tokens` / `max_tokens`), or the model's own. Not retried: the
    /// same request under the same limit is cut again (a reasoning model spends most of the budget
    /// before it writes a word), and every retry pays for the whole limit. Raise the limit, then
    /// `retry-failed --class truncated`.
    case truncated
    /// A hosted editor's moderation blocked the request or its result: BFL's `Request Moderated` /
    /// `Content Moderated`, Gemini's `blockReason` or a safety `finishReason`, OpenAI's
    /// `moderation_blocked`. The same prompt and image would be blocked again, so it is not retried;
    /// `retry-failed --class moderated` sends such trajectories again after a config change
    /// (another editor, a different safety setting).
    case moderated
    /// Batch mode: the batch's 24-hour window ended before the provider ran this request
    /// (`batch_expired`). It goes into a later batch, up to `max_retries`.
    case expired
    /// Batch mode: the batch was cancelled before this request ran (`batch_cancelled`). It goes
    /// into a later batch, up to `max_retries`.
    case cancelled
    /// An error that did not say which class it is (a bug to report, not a provider's fault).
    case unknown

    /// Whether the reliability layer sends the call again (SPEC §2.2: an unparseable answer is
    /// retried like a failed call).
    package var isRetryable: Bool {
        switch self {
        case .rateLimit, .server, .timeout, .network, .parse, .expired, .cancelled: return true
        case .badRequest, .auth, .refused, .truncated, .moderated, .unknown: return false
        }
    }

    package var description: String { rawValue }
}
