import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
import ThinkEditTestSupport

/// The editthinker-http editor: its wire format, its failures, and how it spreads load over
/// several endpoints and sets a failing one aside.
@Suite(.timeLimit(.minutes(1))) struct EditThinkerHTTPTests {
    static let ok = FakeReply.json(JSONValue.object([("success", .bool(true)), ("edited_image", .string(Data(testPNG).base64EncodedString())),
                                                     ("error", .null)]).canonicalText)

    func request(seed: UInt64 = 42) -> EditRequest {
        EditRequest(item: ItemContext(trajectoryID: "p-7", task: "color_alter", instruction: "make it red", source: ImagePayload(bytes: testPNG)),
                    turn: 2, instruction: "paint the whole car red", seed: seed)
    }

    /// An editor whose deadlines, backoff and cooldowns run on `clock` (by default one nobody
    /// moves: no deadline fires, and with a base delay of 0 no backoff is waited).
    func editor(_ urls: [String], retries: Int = 2, timeout: Double = 5, cooldown: Double = 30,
                clock: ManualClock = ManualClock()) -> EditThinkerHTTPEditor {
        EditThinkerHTTPEditor(name: "flux-kontext", endpoints: urls, extra: [("steps", .integer(28)), ("guidance", .number(2.5))],
                              reliability: Reliability(backend: "flux-kontext", retry: RetryPolicy(maxRetries: retries, baseDelay: 0, maxDelay: 0.05),
                                                       timeout: timeout, clock: AnyClock(clock)),
                              failureThreshold: 2, cooldown: cooldown)
    }

    func attempt(_ e: EditThinkerHTTPEditor) async -> (Result<EditResult, BackendError>, AttemptLog) {
        let log = AttemptLog()
        let r: Result<EditResult, BackendError> = await AttemptJournal.$observer.withValue(log) {
            do { return .success(try await e.edit(request())) } catch let e as BackendError { return .failure(e) } catch {
                return .failure(BackendError(.network, backend: "?", "unexpected \(error)"))
            }
        }
        return (r, log)
    }

    @Test func theEditRequestCarriesImagePromptSeedAndExtraParameters() async throws {
        let server = try await FakeServer.scripted([Self.ok])
        defer { server.stop() }
        let (result, log) = await attempt(editor([server.url]))
        #expect(try result.get().image == testPNG)
        #expect(log.classes == ["ok"])
        let seen = try #require(server.log.all.first)
        #expect(seen.path == "/edit")
        let body = try #require(seen.json)
        #expect(body["image"] == .string(Data(testPNG).base64EncodedString()))
        #expect(body["prompt"] == .string("paint the whole car red"))
        #expect(body["seed"] == .integer(42))
        #expect(body["steps"] == .integer(28))
        #expect(body["guidance"] == .number(2.5))
        // The EditThinker FLUX.1 Kontext and Qwen-Image-Edit servers rewrite the prompt unless told not to.
        #expect(body["enhance_prompt"] == .bool(false))
        #expect(try result.get().executedPrompt == nil && result.get().executedSeed == nil)
    }

    @Test func thePromptAndSeedTheServerReportsAreReturnedAsExecuted() async throws {
        let image = JSONValue.string(Data(testPNG).base64EncodedString())
        let server = try await FakeServer.scripted([
            // FLUX.1 Kontext / Qwen-Image-Edit with enhance_prompt on: the rewrite and the seed used.
            .json(JSONValue.object([("success", .bool(true)), ("edited_image", image), ("seed", .integer(7)),
                                    ("original_prompt", .string("paint the whole car red")),
                                    ("enhanced_prompt", .string("Paint the entire car a vivid red."))]).canonicalText),
            // LongCat: echoes the prompt it ran; no enhanced_prompt field.
            .json(JSONValue.object([("success", .bool(true)), ("edited_image", image), ("seed", .integer(42)),
                                    ("prompt", .string("paint the whole car red"))]).canonicalText),
        ])
        defer { server.stop() }
        var e = editor([server.url])
        e.enhancePrompt = true
        let first = try await e.edit(request())
        #expect(first.executedPrompt == "Paint the entire car a vivid red." && first.executedSeed == 7)
        #expect(try #require(server.log.all.first?.json)["enhance_prompt"] == .bool(true))
        let second = try await e.edit(request())
        #expect(second.executedPrompt == "paint the whole car red" && second.executedSeed == 42)
    }

    @Test func aSeedAboveInt64TravelsAsAnExactInteger() async throws {
        let e = editor(["http://127.0.0.1:1"])
        let text = String(decoding: e.requestBody(request(seed: UInt64.max)).bytes, as: UTF8.self)
        #expect(text.contains("\"seed\":18446744073709551615"))
    }

    @Test func anEditorThatReportsFailureIsRetriedAsServer() async throws {
        let server = try await FakeServer.scripted([.json(#"{"success": false, "edited_image": null, "error": "CUDA out of memory"}"#), Self.ok])
        defer { server.stop() }
        let (result, log) = await attempt(editor([server.url]))
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["server", "ok"])
        #expect(log.all.first?.message?.contains("CUDA out of memory") == true)
    }

    @Test func badBase64IsAParseError() async throws {
        let server = try await FakeServer.scripted([.json(#"{"success": true, "edited_image": "***not base64***", "error": null}"#)])
        defer { server.stop() }
        let (result, log) = await attempt(editor([server.url], retries: 1))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .parse)
        #expect(error.attempts == 2)
        #expect(log.classes == ["parse", "parse"])
    }

    @Test func base64ThatIsNoImageIsRetriedAsAParseError() async throws {
        // "not an image" in base64: decodes fine, has no PNG or JPEG header.
        let server = try await FakeServer.scripted([.json(#"{"success": true, "edited_image": "bm90IGFuIGltYWdl", "error": null}"#), Self.ok])
        defer { server.stop() }
        let (result, log) = await attempt(editor([server.url], retries: 1))
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["parse", "ok"])
        #expect(log.all.first?.message?.contains("not a PNG or JPEG image") == true)
    }

    @Test func anAnswerWithoutSuccessIsAParseError() async throws {
        let server = try await FakeServer.scripted([.json(#"{"edited_image": "AAAA"}"#)])
        defer { server.stop() }
        let (result, _) = await attempt(editor([server.url], retries: 0))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .parse)
        #expect(error.message.contains("success"))
    }

    @Test func requestsGoToTheEndpointWithFewestOutstanding() async throws {
        // Both servers hold their answers until all six requests have arrived, so all six are outstanding at once.
        let release = OneShotEvent()
        let arrived = RequestLog()
        let a = try await FakeServer.start { arrived.add($0); return Self.ok.held(until: release) }
        let b = try await FakeServer.start { arrived.add($0); return Self.ok.held(until: release) }
        defer { a.stop(); b.stop() }
        let e = editor([a.url, b.url])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { _ = try await e.edit(request()) } }
            try await arrived.waitForCount(6)
            #expect(await e.pool.snapshot().map(\.outstanding) == [3, 3])
            release.signal()
            try await group.waitForAll()
        }
        #expect(a.log.count == 3)
        #expect(b.log.count == 3)
    }

    @Test func aFailingEndpointIsSetAsideAndProbedBeforeItGetsTrafficAgain() async throws {
        let healthy = try await FakeServer.scripted([Self.ok])
        let broken = try await FakeServer.start { seen in
            seen.path == "/health" ? .json(#"{"status": "ok"}"#) : .json(#"{"error": "boom"}"#, status: 500)
        }
        defer { healthy.stop(); broken.stop() }
        let clock = ManualClock()
        let e = editor([broken.url, healthy.url], retries: 3, cooldown: 1, clock: clock)
        // Serially: the broken endpoint fails twice (threshold 2), then every request goes to the healthy one.
        for _ in 0..<6 {
            let (result, _) = await attempt(e)
            #expect((try? result.get()) != nil)
        }
        let brokenEdits = broken.log.all.filter { $0.path == "/edit" }.count
        #expect(brokenEdits == 2)
        #expect(await e.pool.snapshot().map(\.asideFor) == [1, nil])
        // Before the cooldown is over, no probe and no traffic.
        clock.advance(by: .milliseconds(999))
        _ = await attempt(e)
        await e.pool.probesSettled()
        #expect(broken.log.all.allSatisfy { $0.path == "/edit" } && broken.log.count == 2)
        // After it, the next checkout starts a /health probe; once it passes, the endpoint is back.
        clock.advance(by: .milliseconds(1))
        _ = await attempt(e)
        await e.pool.probesSettled()
        #expect(broken.log.all.filter { $0.path == "/health" }.count == 1)
        #expect(await e.pool.snapshot().allSatisfy { $0.asideFor == nil })
    }

    @Test func whenEveryEndpointIsAsideTheCallFailsAsServerWithAClearMessage() async throws {
        let broken = try await FakeServer.scripted([.json("{}", status: 502)])
        defer { broken.stop() }
        let (result, log) = await attempt(editor([broken.url], retries: 2, cooldown: 60))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .server)
        #expect(log.classes == ["server", "server", "server"])
        #expect(broken.log.count == 2)
        #expect(error.message.contains("set aside"))
    }
}
