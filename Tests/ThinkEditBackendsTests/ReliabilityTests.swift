import Foundation
import Testing
import ThinkEditBackends
import ThinkEditCore

/// The reliability layer against fake servers with injected faults: which failures are retried,
/// how many attempts are made, which class the journal gets, and that waits are honoured.
@Suite struct ReliabilityTests {
    static let judgeJSON = #"{"score": [7, 9], "reasoning": "the car is red"}"#

    func client(_ url: String, retries: Int = 3, timeout: Double = 5, key: APIKey? = nil, maxBytes: Int = 1 << 20,
                limiter: RateLimiter? = nil) -> OpenAIChatClient {
        OpenAIChatClient(backend: "judge", baseURL: url, model: "gpt-4.1", key: key, temperature: 0, maxTokens: 300, jsonMode: true,
                         maxResponseBytes: maxBytes,
                         reliability: Reliability(backend: "judge", retry: RetryPolicy(maxRetries: retries, baseDelay: 0.02, maxDelay: 0.1),
                                                  timeout: timeout, limiter: limiter))
    }

    /// Sends one judge call and returns its result, or the final error, with every attempt seen.
    func judge(_ c: OpenAIChatClient) async -> (Result<JudgeAnswer, BackendError>, AttemptLog) {
        let log = AttemptLog()
        let result: Result<JudgeAnswer, BackendError> = await AttemptJournal.$observer.withValue(log) {
            do {
                let (answer, _) = try await c.complete(system: "judge", user: [.text("rate it"), .image(testPNG)]) { try JudgeAnswerParser.parse($0) }
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
        let start = Date()
        let (result, log) = await judge(client(server.url))
        let elapsed = Date().timeIntervalSince(start)
        #expect(try result.get().scores.map(\.value) == [7, 9])
        #expect(elapsed >= 0.9, "the 1 s Retry-After was not honoured (\(elapsed) s)")
        #expect(log.classes == ["rate_limit", "ok"])
        #expect(log.all.first?.httpStatus == 429)
        #expect(server.log.count == 2)
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
        #expect(error.errorClass == "server")
        #expect(error.attempts == 3)
        #expect(server.log.count == 3)
        #expect(log.classes == ["server", "server", "server"])
        #expect(error.journalClass == "server")
    }

    @Test func anAnswerSlowerThanTheDeadlineIsATimeout() async throws {
        let server = try await FakeServer.scripted([chatAnswer(Self.judgeJSON).delayed(10)])
        defer { server.stop() }
        let start = Date()
        let (result, log) = await judge(client(server.url, retries: 1, timeout: 0.3))
        guard case .failure(let error) = result else { Issue.record("expected a timeout"); return }
        #expect(error.errorClass == "timeout")
        #expect(error.attempts == 2)
        #expect(log.classes == ["timeout", "timeout"])
        #expect(Date().timeIntervalSince(start) < 8, "the deadline did not cut the 10 s answer short")
    }

    @Test func aResetConnectionIsANetworkErrorAndIsRetried() async throws {
        let server = try ResettingServer()
        defer { server.stop() }
        let (result, log) = await judge(client(server.url, retries: 2))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == "network")
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
        #expect(error.errorClass == "parse")
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
        #expect(error.errorClass == "parse")
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
        #expect(error.errorClass == expected)
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
        let limiter = RateLimiter(requestsPerMinute: 120, tokensPerMinute: nil)
        for _ in 0..<120 { try await limiter.admit(tokens: 0) }
        let start = Date()
        try await limiter.admit(tokens: 0)
        let waited = Date().timeIntervalSince(start)
        #expect(waited >= 0.45, "a full minute budget of 120 requests refills one every 0.5 s; waited \(waited) s")
        // No upper bound worth asserting: on a loaded machine a sleeping task wakes late.
    }

    @Test func aTokensPerMinuteLimitChargesTheRealUsage() async throws {
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: 6000)
        try await limiter.admit(tokens: 100)
        // The call really used the whole minute's budget and some: the next one must wait ~1 s.
        await limiter.settle(estimated: 100, actual: 6100)
        let start = Date()
        try await limiter.admit(tokens: 100)
        #expect(Date().timeIntervalSince(start) >= 0.9)
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
        #expect(retried == ["network", "parse", "rate_limit", "server", "timeout"])
    }
}

extension FakeReply {
    func delayed(_ seconds: Double) -> FakeReply {
        var r = self
        r.delay = seconds
        return r
    }
}
