import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
import ThinkEditTestSupport

/// The gemini-image editor against a fake generateContent endpoint: the request, the camelCase
/// answer, moderation, answers without an image, Google's error bodies and rate limits.
@Suite(.timeLimit(.minutes(1))) struct GeminiImageEditorTests {
    static let key = APIKey(value: "AIzaCanary-4c8e2b7f1a9d3e5f", source: "environment variable GEMINI_API_KEY")

    func request() -> EditRequest {
        EditRequest(item: ItemContext(trajectoryID: "p-7", task: "color_alter", instruction: "make it red", source: ImagePayload(bytes: testPNG)),
                    turn: 1, instruction: "paint the whole car red", seed: 0xFFFF_FFFF_8000_0009)
    }

    func editor(_ url: String, retries: Int = 2, extra: [(String, JSONValue)] = [], clock: ManualClock = ManualClock()) -> GeminiImageEditor {
        GeminiImageEditor(name: "nano-banana", baseURL: url + "/v1beta", model: "gemini-2.5-flash-image", key: Self.key, extra: extra,
                          reliability: Reliability(backend: "nano-banana", retry: RetryPolicy(maxRetries: retries, baseDelay: 0, maxDelay: 0),
                                                   timeout: 60, clock: AnyClock(clock)))
    }

    func attempt(_ e: GeminiImageEditor) async -> (Result<EditResult, BackendError>, AttemptLog) {
        let log = AttemptLog()
        let r: Result<EditResult, BackendError> = await AttemptJournal.$observer.withValue(log) {
            do { return .success(try await e.edit(request())) } catch let e as BackendError { return .failure(e) } catch {
                return .failure(BackendError(.unknown, backend: "?", "unexpected \(error)"))
            }
        }
        return (r, log)
    }

    @Test func theRequestCarriesPromptImageAndModalitiesAndTheCamelCaseAnswerIsRead() async throws {
        let server = try await FakeServer.scripted([GeminiAnswer.image(testPNG)])
        defer { server.stop() }
        let e = editor(server.url, extra: [("generationConfig", .object([("temperature", .number(0.4))])),
                                           ("safetySettings", .array([]))])
        let (result, log) = await attempt(e)
        let edited = try result.get()
        #expect(edited.image == testPNG)
        #expect(edited.usage == Usage(promptTokens: 1300, completionTokens: 1290))
        #expect(edited.executedPrompt == nil && edited.executedSeed == nil)
        #expect(log.classes == ["ok"])
        let seen = try #require(server.log.all.first)
        #expect(seen.path == "/v1beta/models/gemini-2.5-flash-image:generateContent")
        #expect(seen.headers["x-goog-api-key"] == Self.key.value)
        #expect(seen.query == nil, "the key goes in the header, never in the URL")
        let body = try #require(seen.json)
        guard case .array(let contents)? = body["contents"], case .array(let parts)? = contents.first?["parts"] else {
            Issue.record("no contents: \(body.canonicalText.prefix(200))"); return
        }
        #expect(contents.first?["role"] == .string("user"))
        #expect(parts.first?["text"] == .string("paint the whole car red"))
        #expect(parts.last?["inline_data"]?["mime_type"] == .string("image/png"))
        #expect(parts.last?["inline_data"]?["data"] == .string(Data(testPNG).base64EncodedString()))
        let generation = body["generationConfig"]
        #expect(generation?["responseModalities"] == .array([.string("TEXT"), .string("IMAGE")]))
        #expect(generation?["seed"] == .integer(9))  // folded to 31 bits: Gemini's seed is an int32
        #expect(generation?["temperature"] == .number(0.4))
        #expect(body["safetySettings"] == .array([]))
    }

    @Test func aSnakeCaseAnswerIsReadToo() async throws {
        let answer = JSONValue.object([("candidates", .array([.object([("finish_reason", .string("STOP")), ("content", .object([("parts", .array([
            .object([("inline_data", .object([("mime_type", .string("image/png")), ("data", .string(Data(testPNG).base64EncodedString()))]))]),
        ]))]))])]))]).canonicalText
        let server = try await FakeServer.scripted([.json(answer)])
        defer { server.stop() }
        let (result, _) = await attempt(editor(server.url))
        #expect(try result.get().image == testPNG)
    }

    @Test(arguments: [GeminiAnswer.blocked("PROHIBITED_CONTENT"), GeminiAnswer.blocked("OTHER"),
                      GeminiAnswer.noImage(finishReason: "SAFETY"), GeminiAnswer.noImage(finishReason: "PROHIBITED_CONTENT"),
                      GeminiAnswer.noImage(finishReason: "IMAGE_SAFETY", text: "I can't create that image.")])
    func blockedPromptsAndSafetyStopsAreModeratedAndNotRetried(answer: FakeReply) async throws {
        let server = try await FakeServer.scripted([answer, GeminiAnswer.image(testPNG)])
        defer { server.stop() }
        let (result, log) = await attempt(editor(server.url))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .moderated)
        #expect(error.attempts == 1)
        #expect(log.classes == ["moderated"])
        #expect(server.log.count == 1)
    }

    @Test func anAnswerWithoutAnImageForAnotherReasonIsRetriedAsParse() async throws {
        let server = try await FakeServer.scripted([
            GeminiAnswer.noImage(finishReason: "STOP", text: "Which car do you mean, the red one or the blue one?"),
            GeminiAnswer.noImage(finishReason: "NO_IMAGE"),
            GeminiAnswer.image(testPNG),
        ])
        defer { server.stop() }
        let (result, log) = await attempt(editor(server.url))
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["parse", "parse", "ok"])
        #expect(log.all.first?.message?.contains("without an image (finishReason STOP)") == true)
        #expect(log.all.first?.message?.contains("Which car do you mean") == true)
    }

    @Test func aResourceExhaustedAnswerWaitsTheRetryDelayGoogleNames() async throws {
        let retryInfo = JSONValue.object([("@type", .string("type.googleapis.com/google.rpc.RetryInfo")), ("retryDelay", .string("7s"))])
        let server = try await FakeServer.scripted([
            GeminiAnswer.error(code: 429, status: "RESOURCE_EXHAUSTED", message: "You exceeded your current quota.", details: [retryInfo]),
            GeminiAnswer.image(testPNG),
        ])
        defer { server.stop() }
        let clock = ManualClock()
        let call = Task { await attempt(editor(server.url, clock: clock)) }
        await clock.waitForSleepers { $0 == [.seconds(7)] }
        #expect(server.log.count == 1)
        clock.advance(by: .seconds(7))
        let (result, log) = await call.value
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["rate_limit", "ok"])
        #expect(log.all.first?.message?.contains("RESOURCE_EXHAUSTED: You exceeded your current quota.") == true)
    }

    @Test func anInvalidKeyAnsweredAs400IsAuth() async throws {
        let errorInfo = JSONValue.object([("@type", .string("type.googleapis.com/google.rpc.ErrorInfo")), ("reason", .string("API_KEY_INVALID")),
                                          ("domain", .string("googleapis.com"))])
        let server = try await FakeServer.scripted([
            GeminiAnswer.error(code: 400, status: "INVALID_ARGUMENT", message: "API key not valid. Please pass a valid API key.", details: [errorInfo]),
        ])
        defer { server.stop() }
        let (result, log) = await attempt(editor(server.url))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .auth)
        #expect(error.message.contains("GEMINI_API_KEY"))
        #expect(!error.description.contains(Self.key.value))
        #expect(log.classes == ["auth"])
    }

    @Test func anUnavailableServiceIsRetriedAsServer() async throws {
        let server = try await FakeServer.scripted([
            GeminiAnswer.error(code: 503, status: "UNAVAILABLE", message: "The model is overloaded. Please try again later."),
            GeminiAnswer.image(testPNG),
        ])
        defer { server.stop() }
        let (result, log) = await attempt(editor(server.url))
        #expect((try? result.get()) != nil)
        #expect(log.classes == ["server", "ok"])
    }
}
