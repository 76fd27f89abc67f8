import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
import ThinkEditTestSupport

/// The reliability layer against fake servers with injected faults: which failures are retried,
/// how many attempts are made, which class the journal gets, and that waits are honoured.
@Suite(.timeLimit(.minutes(1))) struct ReliabilityTests {
    static let judgeJSON = #"{"score": [7, 9], "reasoning": "the car is red"}"#

    /// A judge client. Its deadline, backoff and rate limits run on `clock`; the default, a manual
    /// clock nobody moves, means no deadline ever fires and no backoff is waited (base delay 0), so
    /// a test that is not about time does not depend on how fast the machine is.
    func client(_ url: String, retries: Int = 3, timeout: Double = 5, key: APIKey? = nil, maxBytes: Int = 1 << 20,
                limiter: RateLimiter? = nil, baseDelay: Double = 0, maxRetryAfter: Double = 600, clock: ManualClock = ManualClock()) -> OpenAIChatClient {
        OpenAIChatClient(backend: "judge", baseURL: url, model: "gpt-4.1", key: key, temperature: 0, maxTokens: 300, jsonMode: true,
                         maxResponseBytes: maxBytes,
                         reliability: Reliability(backend: "judge",
                                                  retry: RetryPolicy(maxRetries: retries, baseDelay: baseDelay, maxDelay: 0.1, maxRetryAfter: maxRetryAfter),
                                                  timeout: timeout, limiter: limiter, clock: AnyClock(clock)))
    }

    /// Sends one judge call and returns its result, or the final error, with every attempt seen.
    func judge(_ c: OpenAIChatClient) async -> (Result<JudgeAnswer, BackendError>, AttemptLog) {
        let log = AttemptLog()
        let result: Result<JudgeAnswer, BackendError> = await AttemptJournal.$observer.withValue(log) {
            do {
                let (answer, _) = try await c.complete(system: "judge", user: [.text("rate it"), .image(testPNG)]) { try JudgeAnswerParser.parse($0.content) }
                return .success(answer)
            } catch let e as BackendError {
                return .failure(e)
            } catch {
                return .failure(BackendError(.network, backend: "?", "unexpected \(error)"))
            }
        }
        return (result, log)
    }

    @Test func rateLimitWaitsTheRetryAfterSecondsThenSucceeds() async throws {
        let server = try await FakeServer.scripted([.json(#"{"error": "slow down"}"#, status: 429, headers: [("Retry-After", "1")]),
                                                    chatAnswer(Self.judgeJSON)])
        defer { server.stop() }
        let clock = ManualClock()
        let c = client(server.url, clock: clock)
        let call = Task { await judge(c) }
        // The 429 answered, the client sleeps exactly the second the server asked for, and sends nothing meanwhile.
        await clock.waitForSleepers { $0 == [.seconds(1)] }
        #expect(server.log.count == 1)
        clock.advance(by: .milliseconds(999))
        #expect(clock.pendingSleeps == [.milliseconds(1)], "the retry left before the Retry-After second was over")
        #expect(server.log.count == 1)
        clock.advance(by: .milliseconds(1))
        let (result, log) = await call.value
        #expect(try result.get().scores.map(\.value) == [7, 9])
        #expect(log.classes == ["rate_limit", "ok"])
        #expect(log.all.first?.httpStatus == 429)
        #expect(server.log.count == 2)
    }

    /// OpenAI's 429 headers, each form, and the exact wait the retry takes. The deadline (5 s)
    /// sleeps on the same clock only while a request is out, so at the backoff the one sleeper is
    /// the wait.
    static let headerWaits: [(headers: [(String, String)], wait: Duration)] = [
        ([("retry-after-ms", "1500")], .milliseconds(1500)),
        // The milliseconds are the more precise of the two, so they win.
        ([("retry-after-ms", "250"), ("Retry-After", "1")], .milliseconds(250)),
        ([("x-ratelimit-reset-requests", "20ms"), ("x-ratelimit-remaining-requests", "0"),
          ("x-ratelimit-reset-tokens", "6m0s"), ("x-ratelimit-remaining-tokens", "150000")], .milliseconds(20)),
        // Requests are left, so the tokens ran out: their reset, not the shorter requests' one.
        ([("x-ratelimit-reset-requests", "1s"), ("x-ratelimit-remaining-requests", "59"),
          ("x-ratelimit-reset-tokens", "6m0s"), ("x-ratelimit-remaining-tokens", "812")], .seconds(360)),
        ([("x-ratelimit-reset-tokens", "1h2m3.5s"), ("x-ratelimit-remaining-tokens", "0")], .milliseconds(3_723_500)),
        // No remaining counts: the longer reset.
        ([("x-ratelimit-reset-requests", "1s"), ("x-ratelimit-reset-tokens", "20ms")], .seconds(1)),
        // Retry-After is the server's explicit answer: it wins over the reset times.
        ([("Retry-After", "2"), ("x-ratelimit-reset-tokens", "6m0s"), ("x-ratelimit-remaining-tokens", "0")], .seconds(2)),
    ]

    @Test(arguments: ReliabilityTests.headerWaits.indices)
    func aRateLimitWaitsWhatOpenAIsHeadersSay(index: Int) async throws {
        let (headers, wait) = Self.headerWaits[index]
        let server = try await FakeServer.scripted([.json(#"{"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}"#,
                                                          status: 429, headers: headers),
                                                    chatAnswer(Self.judgeJSON)])
        defer { server.stop() }
        let clock = ManualClock()
        let c = client(server.url, maxRetryAfter: 7200, clock: clock)
        let call = Task { await judge(c) }
        await clock.waitForSleepers { $0 == [wait] }
        #expect(server.log.count == 1)
        clock.advance(by: wait - .nanoseconds(1))
        #expect(clock.pendingSleeps == [.nanoseconds(1)], "the retry left before the wait was over")
        #expect(server.log.count == 1)
        clock.advance(by: .nanoseconds(1))
        let (result, log) = await call.value
        #expect(try result.get().scores.map(\.value) == [7, 9])
        #expect(log.classes == ["rate_limit", "ok"])
    }

    @Test func aResetLongerThanTheLongestHonouredWaitIsCappedAtIt() async throws {
        let server = try await FakeServer.scripted([.json("{}", status: 429, headers: [("x-ratelimit-reset-tokens", "1h2m3.5s")]),
                                                    chatAnswer(Self.judgeJSON)])
        defer { server.stop() }
        let clock = ManualClock()
        let call = Task { await judge(client(server.url, clock: clock)) }
        await clock.waitForSleepers { $0 == [.seconds(600)] }
        clock.advance(by: .seconds(600))
        let (result, _) = await call.value
        #expect(try result.get().scores.count == 2)
    }

    @Test func resetHeadersOnAServerErrorSayNothingAboutTheWait() async throws {
        // OpenAI sends its reset times with every answer; only a 429 is about them.
        let server = try await FakeServer.scripted([.json("{}", status: 503, headers: [("x-ratelimit-reset-tokens", "6m0s")]),
                                                    chatAnswer(Self.judgeJSON)])
        defer { server.stop() }
        let clock = ManualClock()
        // The computed backoff (50 to 100 ms with a 0.1 s base and cap), not six minutes.
        let call = Task { await judge(client(server.url, baseDelay: 0.1, clock: clock)) }
        await clock.waitForSleepers { $0.count == 1 && $0[0] >= .milliseconds(50) && $0[0] <= .milliseconds(100) }
        clock.advance(by: .milliseconds(100))
        let (result, _) = await call.value
        #expect(try result.get().scores.count == 2)
    }

    @Test func openAIResetDurationsParseAsGoDurations() {
        let cases: [(String, Double?)] = [("1s", 1), ("6m0s", 360), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("0s", 0), ("2.5", 2.5),
                                          ("150us", 0.00015), ("", nil), ("soon", nil), ("5 minutes", nil), ("-1s", nil), ("1x", nil)]
        for (text, seconds) in cases {
            #expect(ServerWait.duration(text) == seconds, "\(text)")
        }
    }

    @Test func serverErrorsAreRetriedUntilAnAnswerComes() async throws {
        let server = try await FakeServer.scripted([.json("{}", status: 500), .json("{}", status: 503), chatAnswer(Self.judgeJSON)])
        defer { server.stop() }
        let (result, log) = await judge(client(server.url))
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["server", "server", "ok"])
        #expect(log.all.map(\.isFinal) == [false, false, true])
    }

    @Test func serverErrorsExhaustTheRetriesAndFailAsServer() async throws {
        let server = try await FakeServer.scripted([.json(#"{"error": "overloaded"}"#, status: 503)])
        defer { server.stop() }
        let (result, log) = await judge(client(server.url, retries: 2))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .server)
        #expect(error.attempts == 3)
        #expect(server.log.count == 3)
        #expect(log.classes == ["server", "server", "server"])
        #expect(error.journalClass == .server)
    }

    @Test func attemptsInFlightShareOneDeadlineSleeperAndLeaveNoneBehind() async throws {
        // One sleeper per backend, not one per attempt: a cancelled sleep on the system clock
        // keeps its timer until the time it was set for, so per-attempt sleepers piled up.
        let clock = ManualClock()
        let reliability = Reliability(backend: "b", retry: RetryPolicy(maxRetries: 0), timeout: 10, clock: AnyClock(clock))
        let gate = OneShotEvent()
        let calls = (0..<50).map { i in
            Task { try await reliability.perform { () async throws -> (Int, Usage?) in try await gate.wait(); return (i, nil) } }
        }
        while reliability.armedDeadlines < 50 { await Task.yield() }
        await clock.waitForSleepers { !$0.isEmpty }
        #expect(clock.pendingSleeps == [.seconds(10)])
        clock.advance(by: .seconds(9))
        #expect(clock.pendingSleeps == [.seconds(1)])
        gate.signal()
        var answers: [Int] = []
        for call in calls { answers.append(try await call.value) }
        #expect(answers == Array(0..<50))
        #expect(reliability.armedDeadlines == 0)
        await clock.waitForSleepers { $0.isEmpty }
    }

    @Test func anAnswerSlowerThanTheDeadlineIsATimeout() async throws {
        let answer = OneShotEvent()  // never signalled: the server holds every answer
        let server = try await FakeServer.scripted([chatAnswer(Self.judgeJSON).held(until: answer)])
        defer { server.stop() }
        let clock = ManualClock()
        let c = client(server.url, retries: 1, timeout: 0.3, baseDelay: 0.1, clock: clock)
        let call = Task { await judge(c) }
        // Attempt 1: the request is at the server and its 0.3 s deadline is armed; moving the clock there cuts it.
        try await server.log.waitForCount(1)
        await clock.waitForSleepers { $0 == [.milliseconds(300)] }
        clock.advance(by: .milliseconds(300))
        // The backoff (50 to 100 ms with a 0.1 s base), then attempt 2 and its deadline.
        await clock.waitForSleepers { $0.count == 1 && $0[0] >= .milliseconds(50) && $0[0] <= .milliseconds(100) }
        clock.advance(by: .milliseconds(100))
        try await server.log.waitForCount(2)
        await clock.waitForSleepers { $0 == [.milliseconds(300)] }
        clock.advance(by: .milliseconds(300))
        let (result, log) = await call.value
        guard case .failure(let error) = result else { Issue.record("expected a timeout"); return }
        #expect(error.errorClass == .timeout)
        #expect(error.attempts == 2)
        #expect(log.classes == ["timeout", "timeout"])
        #expect(log.all.map(\.latencyMs) == [300, 300])
    }

    @Test func aResetConnectionIsANetworkErrorAndIsRetried() async throws {
        let server = try ResettingServer()
        defer { server.stop() }
        let (result, log) = await judge(client(server.url, retries: 2))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .network)
        #expect(error.attempts == 3)
        #expect(log.classes == ["network", "network", "network"])
        #expect(server.connections >= 3)
    }

    @Test func malformedJSONIsAParseErrorAndIsRetried() async throws {
        let server = try await FakeServer.scripted([.json("{\"choices\": [oops"), chatAnswer(Self.judgeJSON)])
        defer { server.stop() }
        let (result, log) = await judge(client(server.url))
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["parse", "ok"])
    }

    @Test func aJudgeAnswerMissingItsScoresIsRetriedThenFailsAsParse() async throws {
        let server = try await FakeServer.scripted([chatAnswer(#"Sure! {"reasoning": "looks fine"}"#)])
        defer { server.stop() }
        let (result, log) = await judge(client(server.url, retries: 2))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .parse)
        #expect(error.attempts == 3)
        #expect(error.message.contains("score"))
        #expect(log.classes == ["parse", "parse", "parse"])
    }

    @Test func anOversizedAnswerIsRefusedAsParse() async throws {
        let big = String(repeating: "x", count: 300_000)
        let server = try await FakeServer.scripted([chatAnswer(#"{"score": [1, 2], "reasoning": "\#(big)"}"#)])
        defer { server.stop() }
        let (result, log) = await judge(client(server.url, retries: 1, maxBytes: 100_000))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .parse)
        #expect(error.message.contains("100000 bytes"))
        #expect(log.all.count == 2)
    }

    @Test(arguments: [(400, "bad_request"), (401, "auth"), (403, "auth"), (404, "bad_request")])
    func clientErrorsStopAtOnce(status: Int, expected: String) async throws {
        let server = try await FakeServer.scripted([.json(#"{"error": {"message": "nope"}}"#, status: status)])
        defer { server.stop() }
        let key = APIKey(value: "sk-canary-0123456789abcdef", source: "environment variable JUDGE_KEY")
        let (result, log) = await judge(client(server.url, key: key))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass.rawValue == expected)
        #expect(error.attempts == 1)
        #expect(server.log.count == 1)
        #expect(log.classes == [expected])
        #expect(!error.description.contains(key.value))
        if status == 401 { #expect(error.description.contains("JUDGE_KEY")) }
        if status == 404 { #expect(error.description.contains("base_url")) }
    }

    @Test func aKeyTheServerEchoesIsRedactedFromTheMessage() async throws {
        let key = APIKey(value: "sk-canary-0123456789abcdef", source: "environment variable JUDGE_KEY")
        let server = try await FakeServer.scripted([.json(#"{"error": "Incorrect API key provided: sk-canary-0123456***"}"#, status: 401)])
        defer { server.stop() }
        let (result, _) = await judge(client(server.url, key: key))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(!error.description.contains("sk-canary-0123456"))
        #expect(error.description.contains("<redacted>"))
    }

    @Test func aRequestsPerMinuteLimitMakesTheNextCallWait() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(requestsPerMinute: 120, tokensPerMinute: nil, clock: AnyClock(clock))
        for _ in 0..<120 { try await limiter.admit(tokens: 0) }
        #expect(clock.pendingSleeps.isEmpty, "the first minute's 120 requests must not wait")
        let next = Task { try await limiter.admit(tokens: 0) }
        // A full minute budget of 120 requests refills one every 0.5 s (plus the limiter's 1 ms margin).
        await clock.waitForSleepers { $0 == [.milliseconds(501)] }
        clock.advance(by: .milliseconds(501))
        try await next.value
        #expect(clock.pendingSleeps.isEmpty)
    }

    @Test func aTokensPerMinuteLimitChargesTheRealUsage() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: 6000, clock: AnyClock(clock))
        try await limiter.admit(tokens: 100)
        // The call really used the whole minute's budget and 100 tokens more: the bucket stands at
        // -100, so the next 100-token call waits for 200 tokens to refill, 2 s at 6000 per minute.
        await limiter.settle(estimated: 100, actual: 6100)
        let next = Task { try await limiter.admit(tokens: 100) }
        await clock.waitForSleepers { $0 == [.milliseconds(2001)] }
        clock.advance(by: .milliseconds(2001))
        try await next.value
    }

    @Test func backoffGrowsWithEachAttemptAndRetryAfterWins() {
        let p = RetryPolicy(maxRetries: 5, baseDelay: 1, maxDelay: 8)
        #expect(p.delay(afterAttempt: 1, retryAfter: nil, unit: 0) == 0.5)
        #expect(p.delay(afterAttempt: 3, retryAfter: nil, unit: 0.999) < 4)
        #expect(p.delay(afterAttempt: 3, retryAfter: nil, unit: 0) == 2)
        #expect(p.delay(afterAttempt: 10, retryAfter: nil, unit: 1) == 8)
        #expect(p.delay(afterAttempt: 1, retryAfter: 7, unit: 0.3) == 7)
    }

    @Test func retryableClassesAreExactlyTheTransientOnes() {
        let retried = CallErrorClass.allCases.filter(\.isRetryable).map(\.rawValue).sorted()
        #expect(retried == ["cancelled", "expired", "network", "parse", "rate_limit", "server", "timeout"])
    }
}

extension FakeReply {
    /// This reply, sent only once `event` is signalled (or the server stops).
    func held(until event: OneShotEvent) -> FakeReply {
        var r = self
        r.gate = event
        return r
    }
}
