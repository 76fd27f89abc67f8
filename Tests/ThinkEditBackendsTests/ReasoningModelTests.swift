import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
import ThinkEditTestSupport

/// The `openai` chat backends against today's reasoning models (GPT-5 / o-series class, and
/// reasoning models behind vLLM or SGLang), on the wire as those servers speak it: which request
/// settings are sent, what a refused setting's 400 says, `finish_reason: length`, the reasoning
/// returned beside the answer, and cached prompt tokens.
@Suite struct ReasoningModelTests {
    static let expertJSON = #"{"is_satisfied": false, "reason": "only the hood is red", "new_rewritten_prompt": "paint the whole car body red"}"#

    func client(_ url: String, temperature: Double? = nil, maxTokens: Int? = nil, maxCompletionTokens: Int? = nil,
                effort: ReasoningEffort? = nil, jsonMode: Bool = true, extra: [(String, JSONValue)] = [], key: APIKey? = nil) -> OpenAIChatClient {
        OpenAIChatClient(backend: "expert", baseURL: url, model: "gpt-5", key: key, temperature: temperature, maxTokens: maxTokens,
                         maxCompletionTokens: maxCompletionTokens, reasoningEffort: effort, jsonMode: jsonMode, extra: extra,
                         reliability: Reliability(backend: "expert", retry: RetryPolicy(maxRetries: 3, baseDelay: 0), timeout: 5, clock: .still))
    }

    func item() -> ItemContext {
        ItemContext(trajectoryID: "p-001", task: "color_alter", instruction: "make the car red", source: ImagePayload(bytes: testPNG))
    }

    func prompts() throws -> ExpertPrompts {
        ExpertPrompts(system: try PromptTemplate(text: "You are an editing expert.", required: [], allowed: []),
                      refine: try PromptTemplate(text: "Goal: {instruction}. Last: {previous_instruction}.", required: ExpertPrompts.refineNeeds, allowed: []),
                      rewrite: try PromptTemplate(text: "Rewrite: {instruction}", required: ["instruction"], allowed: []))
    }

    /// Sends one call and returns its text, or the final error, with every attempt seen.
    func call(_ c: OpenAIChatClient) async -> (Result<String, BackendError>, AttemptLog) {
        let log = AttemptLog()
        let result: Result<String, BackendError> = await AttemptJournal.$observer.withValue(log) {
            do {
                return .success(try await c.complete(system: "s", user: [.text("hi")]) { $0.content }.0)
            } catch let e as BackendError {
                return .failure(e)
            } catch {
                return .failure(BackendError(.unknown, backend: "?", "unexpected \(error)"))
            }
        }
        return (result, log)
    }

    // MARK: - Request parameters

    @Test func aBackendWithoutTemperatureSendsNone() async throws {
        let server = try await FakeServer.scripted([chatAnswer("ok")])
        defer { server.stop() }
        _ = await call(client(server.url, maxCompletionTokens: 4096))
        let body = try #require(server.log.all.first?.json)
        #expect(body["temperature"] == nil)
        #expect(body["max_tokens"] == nil)
    }

    @Test func maxCompletionTokensAndReasoningEffortAreSentAsSuch() async throws {
        let server = try await FakeServer.scripted([chatAnswer("ok")])
        defer { server.stop() }
        _ = await call(client(server.url, maxCompletionTokens: 4096, effort: .minimal))
        let body = try #require(server.log.all.first?.json)
        #expect(body["max_completion_tokens"] == .integer(4096))
        #expect(body["reasoning_effort"] == .string("minimal"))
        #expect(body["max_tokens"] == nil)
        #expect(body["temperature"] == nil)
    }

    @Test func maxTokensAndTemperatureAreStillSentForServersThatWantThem() async throws {
        let server = try await FakeServer.scripted([chatAnswer("ok")])
        defer { server.stop() }
        _ = await call(client(server.url, temperature: 0.2, maxTokens: 1024))
        let body = try #require(server.log.all.first?.json)
        #expect(body["temperature"] == .number(0.2))
        #expect(body["max_tokens"] == .integer(1024))
        #expect(body["max_completion_tokens"] == nil)
        #expect(body["reasoning_effort"] == nil)
    }

    @Test func everyReasoningEffortIsSentByItsName() {
        for effort in ReasoningEffort.allCases {
            let body = try? JSONParser.parse(client("http://x", effort: effort).requestBody(system: nil, user: [.text("hi")]).bytes)
            #expect(body?["reasoning_effort"] == .string(effort.rawValue))
        }
        #expect(ReasoningEffort.allCases.map(\.rawValue) == ["none", "minimal", "low", "medium", "high", "xhigh"])
    }

    // MARK: - Refused settings

    /// OpenAI's answer to `max_tokens` on a reasoning model, verbatim.
    static let maxTokensRefused = #"""
    {"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}}
    """#
    static let temperatureRefused = #"""
    {"error": {"message": "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}}
    """#
    static let effortRefused = #"""
    {"error": {"message": "Unsupported value: 'minimal' is not supported with the 'gpt-5.1' model. Supported values are: 'none', 'low', 'medium', and 'high'.", "type": "invalid_request_error", "param": "reasoning_effort", "code": "unsupported_value"}}
    """#

    @Test func maxTokensRefusedByAReasoningModelSaysToUseMaxCompletionTokens() async throws {
        let server = try await FakeServer.scripted([.json(Self.maxTokensRefused, status: 400)])
        defer { server.stop() }
        let (result, log) = await call(client(server.url, maxTokens: 1024))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .badRequest)
        #expect(error.attempts == 1 && server.log.count == 1 && log.classes == ["bad_request"])
        #expect(error.message.contains("remove max_tokens from the backend's config and set max_completion_tokens instead"))
        #expect(error.message.contains("Unsupported parameter: 'max_tokens'"))
    }

    @Test func aTemperatureTheModelRefusesSaysToRemoveIt() async throws {
        let server = try await FakeServer.scripted([.json(Self.temperatureRefused, status: 400)])
        defer { server.stop() }
        let (result, _) = await call(client(server.url, temperature: 0.2, maxCompletionTokens: 2048))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .badRequest)
        #expect(error.message.contains("remove temperature from the backend's config"))
    }

    @Test func aReasoningEffortTheModelRefusesNamesTheKeyAndItsValue() async throws {
        let server = try await FakeServer.scripted([.json(Self.effortRefused, status: 400)])
        defer { server.stop() }
        let (result, _) = await call(client(server.url, maxCompletionTokens: 2048, effort: .minimal))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.message.contains("reasoning_effort is minimal in the backend's config"))
        #expect(error.message.contains("Supported values are: 'none', 'low', 'medium', and 'high'"))
    }

    @Test func aRefusedExtraFieldSaysToRemoveItFromExtra() async throws {
        let body = #"{"error": {"message": "Unsupported parameter: 'top_p' is not supported with this model.", "type": "invalid_request_error", "param": "top_p", "code": "unsupported_parameter"}}"#
        let server = try await FakeServer.scripted([.json(body, status: 400)])
        defer { server.stop() }
        let (result, _) = await call(client(server.url, extra: [("top_p", .number(0.9))]))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.message.contains("remove top_p from the backend's extra"))
    }

    @Test func geminiNamesTheRefusedSettingOnlyInItsMessage() async throws {
        let body = #"[{"error": {"code": 400, "message": "Invalid reasoning_effort: minimal. Valid values are: high, low, medium, none", "status": "INVALID_ARGUMENT"}}]"#
        let server = try await FakeServer.scripted([.json(body, status: 400)])
        defer { server.stop() }
        let (result, _) = await call(client(server.url, maxCompletionTokens: 2048, effort: .minimal))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .badRequest)
        #expect(error.message.contains("reasoning_effort is minimal in the backend's config"))
    }

    @Test func aFourHundredThatNamesNoSettingKeepsTheGeneralMessage() async throws {
        let body = #"{"error": {"message": "Invalid image data.", "type": "invalid_request_error", "param": "messages[1].content[1]", "code": "invalid_image"}}"#
        let server = try await FakeServer.scripted([.json(body, status: 400)])
        defer { server.stop() }
        let (result, _) = await call(client(server.url, maxCompletionTokens: 2048))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .badRequest)
        #expect(error.message.contains("refused as malformed"))
        #expect(error.message.contains("Invalid image data."))
    }

    // MARK: - finish_reason length

    @Test func anAnswerCutAtTheTokenLimitIsTruncatedAndNotRetried() async throws {
        // A reasoning model that spent the whole budget thinking: no text, finish_reason length.
        let body = JSONValue.object([
            ("id", .string("chatcmpl-2")), ("object", .string("chat.completion")),
            ("choices", .array([.object([("index", .integer(0)), ("finish_reason", .string("length")),
                                         ("message", .object([("role", .string("assistant")), ("content", .string(""))]))])])),
            ("usage", .object([("prompt_tokens", .integer(900)), ("completion_tokens", .integer(1024)),
                               ("completion_tokens_details", .object([("reasoning_tokens", .integer(1024))]))])),
        ]).canonicalText
        let server = try await FakeServer.scripted([.json(body), chatAnswer("never sent")])
        defer { server.stop() }
        let (result, log) = await call(client(server.url, maxCompletionTokens: 1024))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .truncated)
        #expect(error.attempts == 1 && server.log.count == 1)
        #expect(log.classes == ["truncated"])
        #expect(error.message.contains("max_completion_tokens is 1024"))
        #expect(error.message.contains("1024 of them reasoning"))
        #expect(error.message.contains("retry-failed --class truncated"))
    }

    @Test func aTruncatedAnswerUnderMaxTokensNamesMaxTokens() async throws {
        let body = #"{"choices": [{"index": 0, "finish_reason": "length", "message": {"role": "assistant", "content": "{\"is_satisfied\": fal"}}]}"#
        let server = try await FakeServer.scripted([.json(body)])
        defer { server.stop() }
        let (result, _) = await call(client(server.url, maxTokens: 300))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .truncated)
        #expect(error.message.contains("max_tokens is 300"))
    }

    // MARK: - Reasoning returned beside the answer

    func answer(content: String, _ reasoningField: String, _ reasoning: String) -> FakeReply {
        .json(JSONValue.object([
            ("choices", .array([.object([("index", .integer(0)), ("finish_reason", .string("stop")),
                                         ("message", .object([("role", .string("assistant")), ("content", .string(content)),
                                                              (reasoningField, .string(reasoning))]))])])),
        ]).canonicalText)
    }

    @Test(arguments: ["reasoning_content", "reasoning"])
    func anExpertAnswerWithoutAReasonKeepsTheServersReasoning(field: String) async throws {
        let server = try await FakeServer.scripted([answer(content: #"{"is_satisfied": false, "new_rewritten_prompt": "paint the body red"}"#,
                                                           field, "The hood is red but the doors are still blue.")])
        defer { server.stop() }
        let thinker = OpenAIThinker(name: "expert", client: client(server.url), prompts: try prompts(), format: .json)
        let a = try await thinker.think(ThinkRequest(item: item(), turn: 2, previousImage: ImagePayload(bytes: testPNG), previousInstruction: "x"))
        #expect(a.reasoning == "The hood is red but the doors are still blue.")
        #expect(a.instruction == "paint the body red")
    }

    @Test func anExpertsOwnReasonWinsOverTheServersReasoning() async throws {
        let server = try await FakeServer.scripted([answer(content: Self.expertJSON, "reasoning_content", "long hidden thoughts")])
        defer { server.stop() }
        let thinker = OpenAIThinker(name: "expert", client: client(server.url), prompts: try prompts(), format: .json)
        let a = try await thinker.think(ThinkRequest(item: item(), turn: 2, previousImage: ImagePayload(bytes: testPNG), previousInstruction: "x"))
        #expect(a.reasoning == "only the hood is red")
    }

    @Test func aTagAnswerWhoseThinkBlockTheServerTookOutKeepsTheServersReasoning() throws {
        // vLLM's reasoning parser moves <think>...</think> into reasoning_content.
        let a = try ExpertAnswerParser.parse("<score>{}</score><answer>paint the body red</answer>", format: .tags,
                                             previousInstruction: "make the car red", serverReasoning: "  the doors are blue \n")
        #expect(a.reasoning == "the doors are blue")
        #expect(try ExpertAnswerParser.parse(#"{"is_satisfied": true, "reason": ""}"#, format: .json, previousInstruction: nil,
                                             serverReasoning: "done").reasoning == "done")
        #expect(throws: AnswerParseError.self) {
            try ExpertAnswerParser.parse(#"{"is_satisfied": true}"#, format: .json, previousInstruction: nil, serverReasoning: "  ")
        }
    }

    // MARK: - Cached prompt tokens

    @Test func cachedPromptTokensAreReadFromThePromptTokenDetails() async throws {
        let body = JSONValue.object([
            ("choices", .array([.object([("index", .integer(0)), ("finish_reason", .string("stop")),
                                         ("message", .object([("role", .string("assistant")), ("content", .string("ok"))]))])])),
            ("usage", .object([("prompt_tokens", .integer(2006)), ("completion_tokens", .integer(300)), ("total_tokens", .integer(2306)),
                               ("prompt_tokens_details", .object([("cached_tokens", .integer(1920)), ("audio_tokens", .integer(0))])),
                               ("completion_tokens_details", .object([("reasoning_tokens", .integer(256))]))])),
        ]).canonicalText
        let server = try await FakeServer.scripted([.json(body)])
        defer { server.stop() }
        let (_, usage) = try await client(server.url).complete(system: nil, user: [.text("hi")]) { $0.content }
        #expect(usage == Usage(promptTokens: 2006, completionTokens: 300, cachedPromptTokens: 1920))
    }
}
