import Foundation

/// How long a server asks us to wait before sending again, read from its answer's headers. The
/// reliability layer waits exactly this long (up to `RetryPolicy.maxRetryAfter`) instead of its
/// computed backoff.
enum ServerWait {
    /// Seconds to wait after `reply` (a 429 or a 5xx), or nil when its headers do not say. In order:
    /// - `retry-after-ms`: milliseconds (OpenAI, Azure OpenAI); the most precise, so it wins;
    /// - `Retry-After`: seconds or an HTTP date;
    /// - for a 429 only, OpenAI's `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens`
    ///   (`rateLimitReset`). They come with every answer, so on other statuses they say nothing
    ///   about a wait.
    package static func seconds(after reply: HTTPReply) -> Double? {
        if let ms = reply.header("retry-after-ms").flatMap(number) { return ms / 1000 }
        if let s = retryAfter(reply.header("retry-after")) { return s }
        return reply.status == 429 ? rateLimitReset(reply) : nil
    }

    /// `Retry-After` in seconds (delta form) or as an HTTP date.
    static func retryAfter(_ value: String?) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = number(value) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSinceNow)
    }

    /// The reset time of the limit a 429 ran into: `x-ratelimit-reset-requests` when
    /// `x-ratelimit-remaining-requests` is 0, `x-ratelimit-reset-tokens` when the tokens ran out
    /// (remaining tokens 0, or requests left, so that tokens are what is missing); the longer when
    /// both ran out, or when the remaining counts are not given.
    static func rateLimitReset(_ reply: HTTPReply) -> Double? {
        let requests = duration(reply.header("x-ratelimit-reset-requests"))
        let tokens = duration(reply.header("x-ratelimit-reset-tokens"))
        let requestsLeft = reply.header("x-ratelimit-remaining-requests").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let tokensLeft = reply.header("x-ratelimit-remaining-tokens").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var exhausted: [Double] = []
        if requestsLeft == 0, let requests { exhausted.append(requests) }
        if tokensLeft == 0 || (requestsLeft ?? 0) > 0, let tokens { exhausted.append(tokens) }
        return exhausted.max() ?? [requests, tokens].compactMap { $0 }.max()
    }

    /// Seconds of a duration as OpenAI writes its reset headers (Go's duration syntax): decimal
    /// numbers each followed by a unit, `h`, `m`, `s`, `ms`, `us`/`µs` or `ns` — `20ms`, `1s`,
    /// `6m0s`, `1h2m3.5s`. A plain number counts as seconds. Nil for anything else.
    package static func duration(_ text: String?) -> Double? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = number(text) { return seconds }
        let units: [String: Double] = ["h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9]
        var total = 0.0
        var rest = Substring(text)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            let unit = rest.dropFirst(digits.count).prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let value = Double(digits), let scale = units[String(unit)] else { return nil }
            total += value * scale
            rest = rest.dropFirst(digits.count + unit.count)
        }
        return total
    }

    /// A finite, non-negative decimal number.
    private static func number(_ text: String) -> Double? {
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite else { return nil }
        return max(0, v)
    }
}
