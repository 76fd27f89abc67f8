import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
import ThinkEditTestSupport

/// The bfl editor against a fake of BFL's API: submit, poll until Ready, download the signed
/// sample; moderation, expired samples, failed jobs, rate limits and where the key may go.
@Suite(.timeLimit(.minutes(1))) struct BFLEditorTests {
    static let key = APIKey(value: "bfl-canary-5e1f0c2a9d7b4e63", source: "environment variable BFL_API_KEY")

    func request(seed: UInt64 = 0xDEAD_BEEF_0000_0007) -> EditRequest {
        EditRequest(item: ItemContext(trajectoryID: "p-7", task: "color_alter", instruction: "make it red", source: ImagePayload(bytes: testPNG)),
                    turn: 2, instruction: "paint the whole car red", seed: seed)
    }

    /// An editor whose deadline, polls and backoff run on `clock` (by default one nobody moves,
    /// with polls every 0 s: no poll waits, no deadline fires).
    func editor(_ fake: FakeBFL, retries: Int = 2, timeout: Double = 300, poll: Double = 0, options: BFLOptions = BFLOptions(),
                clock: ManualClock = ManualClock()) -> BFLEditor {
        var o = options
        o.pollInterval = poll
        return BFLEditor(name: "flux-pro", baseURL: fake.baseURL, model: .kontextPro, key: Self.key, options: o,
                         reliability: Reliability(backend: "flux-pro", retry: RetryPolicy(maxRetries: retries, baseDelay: 0, maxDelay: 0),
                                                  timeout: timeout, clock: AnyClock(clock)))
    }

    func attempt(_ e: BFLEditor) async -> (Result<EditResult, BackendError>, AttemptLog) {
        let log = AttemptLog()
        let r: Result<EditResult, BackendError> = await AttemptJournal.$observer.withValue(log) {
            do { return .success(try await e.edit(request())) } catch let e as BackendError { return .failure(e) } catch {
                return .failure(BackendError(.unknown, backend: "?", "unexpected \(error)"))
            }
        }
        return (r, log)
    }

    @Test func aJobIsSubmittedPolledOnTheClockUntilReadyAndItsSampleDownloaded() async throws {
        let fake = try await FakeBFL.start { _, _ in FakeBFL.JobPlan(pending: 2) }
        defer { fake.stop() }
        let clock = ManualClock()
        let e = editor(fake, poll: 2, clock: clock)
        let call = Task { await attempt(e) }
        // Each poll waits the interval on the reliability clock, beside the attempt's deadline.
        for polls in 1...3 {
            await clock.waitForSleepers { $0.contains(.seconds(2)) }
            #expect(fake.polls.count == polls - 1)
            clock.advance(by: .seconds(2))
        }
        let (result, log) = await call.value
        let edited = try result.get()
        #expect(edited.image == testPNG)
        #expect(log.classes == ["ok"])
        #expect(fake.submits.count == 1 && fake.polls.count == 3 && fake.downloads.count == 1)

        let submit = try #require(fake.submits.first)
        #expect(submit.path == "/v1/flux-kontext-pro")
        #expect(submit.headers["x-key"] == Self.key.value)
        let body = try #require(submit.json)
        #expect(body["prompt"] == .string("paint the whole car red"))
        #expect(body["input_image"] == .string(Data(testPNG).base64EncodedString()))
        #expect(body["seed"] == .integer(7))  // 0xDEADBEEF00000007 folded to 31 bits
        #expect(body["output_format"] == .string("png"))
        // Like editthinker-http's enhance_prompt: the prompt is run as written unless the config says otherwise.
        #expect(body["prompt_upsampling"] == .bool(false))
        #expect(body["safety_tolerance"] == nil && body["aspect_ratio"] == nil)
        // The key goes to the API (submit and polls), never to the signed sample URL.
        #expect(fake.polls.allSatisfy { $0.headers["x-key"] == Self.key.value && $0.query == "id=job-1" })
        #expect(fake.downloads.allSatisfy { $0.headers["x-key"] == nil })
        // What BFL reports it ran is what the turn records.
        #expect(edited.executedPrompt == "paint the whole car red" && edited.executedSeed == 7)
    }

    @Test func theConfiguredOptionsAreSent() async throws {
        let fake = try await FakeBFL.start { _, _ in FakeBFL.JobPlan() }
        defer { fake.stop() }
        var options = BFLOptions()
        options.promptUpsampling = true
        options.outputFormat = .jpeg
        options.safetyTolerance = 1
        options.aspectRatio = "16:9"
        var e = editor(fake, options: options)
        e.model = .kontextMax
        _ = try await e.edit(request())
        let seen = try #require(fake.submits.first)
        #expect(seen.path == "/v1/flux-kontext-max")
        let body = try #require(seen.json)
        #expect(body["prompt_upsampling"] == .bool(true) && body["output_format"] == .string("jpeg"))
        #expect(body["safety_tolerance"] == .integer(1) && body["aspect_ratio"] == .string("16:9"))
    }

    @Test(arguments: ["Request Moderated", "Content Moderated"])
    func moderationIsItsOwnClassAndIsNotRetried(status: String) async throws {
        let fake = try await FakeBFL.start { _, _ in FakeBFL.JobPlan(pending: 1, status: status) }
        defer { fake.stop() }
        let (result, log) = await attempt(editor(fake, retries: 3))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .moderated)
        #expect(error.attempts == 1)
        #expect(log.classes == ["moderated"])
        #expect(fake.submits.count == 1 && fake.downloads.isEmpty)
        #expect(error.message.contains(status) && error.message.contains("Derivative Works Filter"))
        #expect(error.message.contains(status == "Request Moderated" ? "the prompt or the input image" : "the edited image"))
    }

    @Test func anExpiredSampleURLIsAskedForAgainWithoutANewJob() async throws {
        // The first signed URL answers 403 (expired); a poll answers Ready at once with a fresh one.
        let fake = try await FakeBFL.start { _, _ in FakeBFL.JobPlan(downloads: [403, 200]) }
        defer { fake.stop() }
        let (result, log) = await attempt(editor(fake))
        #expect(try result.get().image == testPNG)
        #expect(log.classes == ["ok"])
        #expect(fake.submits.count == 1 && fake.polls.count == 2)
        #expect(fake.downloads.map(\.path) == ["/delivery/job-1/1/sample.png", "/delivery/job-1/2/sample.png"])
    }

    @Test func aSampleThatStaysUnreachableFailsTheAttemptAsServerAndTheRetrySubmitsAgain() async throws {
        let fake = try await FakeBFL.start { n, _ in FakeBFL.JobPlan(downloads: n == 1 ? [404] : [200]) }
        defer { fake.stop() }
        let (result, log) = await attempt(editor(fake))
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["server", "ok"])
        #expect(log.all.first?.message?.contains("expired") == true)
        #expect(fake.submits.count == 2)
        // The signature of a signed URL is not written into messages.
        #expect(log.all.first?.message?.contains("sig=") == false)
    }

    @Test(arguments: ["Error", "Task not found"])
    func aFailedOrLostJobIsRetriedAsANewJob(status: String) async throws {
        let fake = try await FakeBFL.start { n, _ in FakeBFL.JobPlan(status: n == 1 ? status : "Ready") }
        defer { fake.stop() }
        let (result, log) = await attempt(editor(fake))
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["server", "ok"])
        #expect(fake.submits.count == 2)
    }

    @Test func aRateLimitedSubmitWaitsItsRetryAfterOnTheClock() async throws {
        let fake = try await FakeBFL.start { n, _ in
            n == 1 ? FakeBFL.JobPlan(submit: .json(#"{"detail": "You have exceeded the number of active tasks"}"#, status: 429, headers: [("Retry-After", "3")]))
                   : FakeBFL.JobPlan()
        }
        defer { fake.stop() }
        let clock = ManualClock()
        let call = Task { await attempt(editor(fake, clock: clock)) }
        await clock.waitForSleepers { $0 == [.seconds(3)] }
        #expect(fake.submits.count == 1)
        clock.advance(by: .seconds(3))
        let (result, log) = await call.value
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["rate_limit", "ok"])
    }

    @Test func failedPollsAreWaitedOutWithoutSubmittingAgain() async throws {
        let fake = try await FakeBFL.start { _, _ in
            FakeBFL.JobPlan(pending: 1, pollFaults: [.json("{}", status: 503), .json(#"{"detail": "slow down"}"#, status: 429, headers: [("Retry-After", "4")])])
        }
        defer { fake.stop() }
        let clock = ManualClock()
        let call = Task { await attempt(editor(fake, poll: 1, clock: clock)) }
        // Poll 1 after the interval: 503; poll 2 after the interval: 429 asking for 4 s; then Pending, Ready.
        await clock.waitForSleepers { $0.contains(.seconds(1)) }
        clock.advance(by: .seconds(1))
        await clock.waitForSleepers { $0.contains(.seconds(1)) }
        clock.advance(by: .seconds(1))
        await clock.waitForSleepers { $0.contains(.seconds(4)) }
        #expect(fake.polls.count == 2)
        clock.advance(by: .seconds(4))
        // Poll 3 answered Pending; poll 4, an interval later, Ready.
        await clock.waitForSleepers { $0.contains(.seconds(1)) }
        clock.advance(by: .seconds(1))
        let (result, log) = await call.value
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["ok"])
        #expect(fake.submits.count == 1 && fake.polls.count == 4)
    }

    @Test func aJobStillPendingAtTheDeadlineIsATimeout() async throws {
        let fake = try await FakeBFL.start { _, _ in FakeBFL.JobPlan(pending: 1000) }
        defer { fake.stop() }
        let clock = ManualClock()
        let call = Task { await attempt(editor(fake, retries: 0, timeout: 3, poll: 1, clock: clock)) }
        for _ in 0..<3 {
            await clock.waitForSleepers { $0.contains(.seconds(1)) }
            clock.advance(by: .seconds(1))
        }
        let (result, _) = await call.value
        guard case .failure(let error) = result else { Issue.record("expected a timeout"); return }
        #expect(error.errorClass == .timeout)
        #expect(fake.submits.count == 1)
    }

    @Test(arguments: [(402, "auth"), (401, "auth"), (422, "bad_request")])
    func clientErrorsOfTheSubmitStopAtOnce(status: Int, expected: String) async throws {
        let fake = try await FakeBFL.start { _, _ in
            FakeBFL.JobPlan(submit: .json(#"{"detail": "Insufficient credits for key bfl-canary-5e1f0c2a..."}"#, status: status))
        }
        defer { fake.stop() }
        let (result, _) = await attempt(editor(fake))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass.rawValue == expected)
        #expect(error.attempts == 1)
        #expect(!error.description.contains("bfl-canary-5e1f0c2a"))
        if status == 402 { #expect(error.message.contains("no credits")) }
    }

    @Test func theKeyIsNeverSentToAPollingURLOnAnotherSite() async throws {
        let fake = try await FakeBFL.start { _, _ in FakeBFL.JobPlan(pollingURL: "http://elsewhere.example/v1/get_result?id=job-1") }
        defer { fake.stop() }
        let (result, _) = await attempt(editor(fake))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .badRequest)
        #expect(error.message.contains("elsewhere.example"))
        #expect(fake.polls.isEmpty)

        #expect(BFLEditor.mayCarryKey("https://api.us1.bfl.ai/v1/get_result?id=1", base: "https://api.bfl.ai/v1"))
        #expect(BFLEditor.mayCarryKey("https://api.bfl.ai/v1/get_result?id=1", base: "https://api.eu.bfl.ai/v1"))
        #expect(!BFLEditor.mayCarryKey("http://api.us1.bfl.ai/v1/get_result?id=1", base: "https://api.bfl.ai/v1"))
        #expect(!BFLEditor.mayCarryKey("https://bfl.ai.evil.example/v1/get_result", base: "https://api.bfl.ai/v1"))
        #expect(!BFLEditor.mayCarryKey("http://127.0.0.2:80/v1/get_result", base: "http://127.0.0.1:80/v1"))
    }

    @Test func aSampleThatIsNoImageIsAParseError() async throws {
        let fake = try await FakeBFL.start { n, _ in FakeBFL.JobPlan(image: n == 1 ? Array("not an image".utf8) : nil) }
        defer { fake.stop() }
        let (result, log) = await attempt(editor(fake))
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["parse", "ok"])
    }
}
