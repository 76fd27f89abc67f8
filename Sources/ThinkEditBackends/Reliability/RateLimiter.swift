import ThinkEditCore

/// Requests-per-minute and tokens-per-minute limits of one backend, as two token buckets that
/// refill continuously (a full minute's budget at most). A call is admitted when both buckets can
/// pay for it; the tokens bucket is charged an estimate up front and corrected when the provider
/// reports the real usage, so a limit is kept on average even when estimates are off.
package actor RateLimiter {
    private let rpm: Double?
    private let tpm: Double?
    private var requestBudget: Double
    private var tokenBudget: Double
    private let clock: AnyClock
    private var last: AnyClock.Instant

    package init(requestsPerMinute: Int?, tokensPerMinute: Int?, clock: AnyClock = .continuous) {
        rpm = requestsPerMinute.map(Double.init)
        tpm = tokensPerMinute.map(Double.init)
        requestBudget = rpm ?? 0
        tokenBudget = tpm ?? 0
        self.clock = clock
        last = clock.now
    }

    private func refill() {
        let t = clock.now
        let dt = last.duration(to: t).inSeconds
        last = t
        if let rpm { requestBudget = min(rpm, requestBudget + rpm * dt / 60) }
        if let tpm { tokenBudget = min(tpm, tokenBudget + tpm * dt / 60) }
    }

    /// Waits until one request of about `tokens` tokens fits both limits, then charges it.
    package func admit(tokens: Int) async throws {
        // A request larger than a whole minute's budget could never fit; let it through at full budget.
        let cost = tpm.map { min(Double(tokens), $0) } ?? 0
        while true {
            refill()
            var wait = 0.0
            if let rpm, requestBudget < 1 { wait = max(wait, (1 - requestBudget) * 60 / rpm) }
            if let tpm, tokenBudget < cost { wait = max(wait, (cost - tokenBudget) * 60 / tpm) }
            if wait <= 0 {
                if rpm != nil { requestBudget -= 1 }
                if tpm != nil { tokenBudget -= cost }
                return
            }
            // A millisecond over, so that the refill after waking covers the whole charge.
            try await clock.sleep(seconds: min(wait, 60) + 0.001)
        }
    }

    /// Corrects the tokens bucket once the real usage of an admitted call is known.
    package func settle(estimated: Int, actual: Int) {
        guard let tpm else { return }
        refill()
        tokenBudget = max(-tpm, tokenBudget - Double(actual - min(estimated, Int(tpm))))
    }
}
