import Foundation

/// How an HTTP status becomes an error class, with a message that says what to check.
enum HTTPStatusCheck {
    /// Throws the classified error for a non-2xx answer; returns for 2xx.
    static func check(_ reply: HTTPReply, backend: String, url: String, key: APIKey?) throws {
        guard !(200..<300).contains(reply.status) else { return }
        let detail = key.redact(snippet(reply.body))
        let status = reply.status
        let says = detail.isEmpty ? "" : "; the server says: \(detail)"
        switch status {
        case 429:
            throw BackendError(.rateLimit, backend: backend, "\(url) answered 429 Too Many Requests\(says)",
                               httpStatus: status, retryAfter: ServerWait.seconds(after: reply))
        case 401:
            let which = key.map { "the key from \($0.source)" } ?? "no key (set api_key_env in the backend's config)"
            throw BackendError(.auth, backend: backend, "\(url) answered 401 Unauthorized: check \(which)\(says)", httpStatus: status)
        case 402:
            // BFL: the account has no credits left. Nothing a retry can change.
            let which = key.map { "the account of the key from \($0.source)" } ?? "the account"
            throw BackendError(.auth, backend: backend, "\(url) answered 402 Payment Required: \(which) has no credits left; add credits, then `thinkedit retry-failed --class auth`\(says)", httpStatus: status)
        case 403:
            let which = key.map { "the key from \($0.source)" } ?? "the server's access rules"
            throw BackendError(.auth, backend: backend, "\(url) answered 403 Forbidden: \(which) lacks access to this model or resource\(says)", httpStatus: status)
        case 404:
            throw BackendError(.badRequest, backend: backend, "\(url) answered 404 Not Found: check base_url / endpoints and the model name\(says)", httpStatus: status)
        case 408:
            throw BackendError(.timeout, backend: backend, "\(url) answered 408 Request Timeout\(says)", httpStatus: status)
        case 500..<600:
            throw BackendError(.server, backend: backend, "\(url) answered \(status)\(says)", httpStatus: status,
                               retryAfter: ServerWait.seconds(after: reply))
        default:
            throw BackendError(.badRequest, backend: backend, "\(url) answered \(status): the request was refused as malformed; check model and the request settings in the config (max_completion_tokens or max_tokens, temperature, reasoning_effort, extra)\(says)", httpStatus: status)
        }
    }

    /// The start of an error body, on one line, for messages.
    static func snippet(_ body: [UInt8], limit: Int = 300) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
