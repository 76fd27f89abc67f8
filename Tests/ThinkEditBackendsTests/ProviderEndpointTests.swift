import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline

/// The shipped Gemini and Azure configs send what those services expect: the URL path and query,
/// the header that carries the key (and no other), the request settings; and the key stays out
/// of every message when the service refuses it. Each client is built from the shipped config
/// as a run builds it, then pointed at the fake server with the service's own path and query.
@Suite struct ProviderEndpointTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let geminiKey = "AIzaSy-CANARY-gemini-4f8e2a9c1b7d"
    static let azureKey = "azure-CANARY-5d1c9e7b3a2f8e6d"

    func shipped(_ file: String) throws -> RunConfig {
        try RunConfig.load(path: Self.repo.appendingPathComponent("pipeline-configs/\(file)").path)
    }

    /// The backend's client, built from its settings with `key` in its environment variable.
    func client(_ s: BackendSettings, key: String) throws -> OpenAIChatClient {
        let name = try #require(s.apiKeyEnv)
        setenv(name, key, 1)
        return try BackendSet.chatClient(s, jsonMode: s.jsonMode ?? true)
    }

    /// `client` with its base URL's scheme and host replaced by the fake server's.
    func pointed(_ c: OpenAIChatClient, at server: FakeServer) throws -> OpenAIChatClient {
        let real = try #require(URLComponents(string: c.baseURL))
        var moved = c
        moved.baseURL = server.url + real.path + (real.query.map { "?" + $0 } ?? "")
        return moved
    }

    func judgeOnce(_ c: OpenAIChatClient) async -> (Result<String, BackendError>, AttemptLog) {
        let log = AttemptLog()
        let result: Result<String, BackendError> = await AttemptJournal.$observer.withValue(log) {
            do {
                return .success(try await c.complete(system: "judge", user: [.text("rate it"), .image(testPNG)]) { $0.content }.0)
            } catch let e as BackendError {
                return .failure(e)
            } catch {
                return .failure(BackendError(.unknown, backend: "?", "unexpected \(error)"))
            }
        }
        return (result, log)
    }

    @Test func theGeminiJudgeSendsABearerKeyToGooglesOpenAIPath() async throws {
        let s = try shipped("gemini-judge.yaml").backends.scorer
        let c = try client(s, key: Self.geminiKey)
        #expect(c.url == "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions")
        let server = try await FakeServer.scripted([chatAnswer(#"{"score": [7, 8], "reasoning": "ok"}"#)])
        defer { server.stop() }
        _ = await judgeOnce(try pointed(c, at: server))
        let seen = try #require(server.log.all.first)
        #expect(seen.method == "POST")
        #expect(seen.path == "/v1beta/openai/chat/completions")
        #expect(seen.query == nil)
        #expect(seen.headers["authorization"] == "Bearer \(Self.geminiKey)")
        #expect(seen.headers["api-key"] == nil)
        let body = try #require(seen.json)
        #expect(body["model"] == .string("gemini-2.5-flash"))
        #expect(body["max_tokens"] == .integer(4096))
        #expect(body["reasoning_effort"] == .string("low"))
        #expect(body["temperature"] == nil)
        #expect(!seen.text.contains(Self.geminiKey))
    }

    @Test func theAzureDeploymentSendsAnApiKeyHeaderAndItsApiVersion() async throws {
        let s = try shipped("azure-gpt.yaml").backends.thinker
        let c = try client(s, key: Self.azureKey)
        #expect(c.url == "https://my-resource.openai.azure.com/openai/deployments/gpt-5-expert/chat/completions?api-version=2025-04-01-preview")
        let server = try await FakeServer.scripted([chatAnswer("ok")])
        defer { server.stop() }
        _ = await judgeOnce(try pointed(c, at: server))
        let seen = try #require(server.log.all.first)
        #expect(seen.path == "/openai/deployments/gpt-5-expert/chat/completions")
        #expect(seen.query == "api-version=2025-04-01-preview")
        #expect(seen.headers["api-key"] == Self.azureKey)
        #expect(seen.headers["authorization"] == nil)
        let body = try #require(seen.json)
        #expect(body["max_completion_tokens"] == .integer(8192))
        #expect(body["reasoning_effort"] == .string("low"))
        #expect(body["max_tokens"] == nil && body["temperature"] == nil)
    }

    @Test func theAzureV1EndpointTakesTheDeploymentAsModelAndNoApiVersion() async throws {
        let s = try shipped("azure-gpt.yaml").backends.scorer
        let c = try client(s, key: Self.azureKey)
        #expect(c.url == "https://my-resource.openai.azure.com/openai/v1/chat/completions")
        let server = try await FakeServer.scripted([chatAnswer("ok")])
        defer { server.stop() }
        _ = await judgeOnce(try pointed(c, at: server))
        let seen = try #require(server.log.all.first)
        #expect(seen.path == "/openai/v1/chat/completions")
        #expect(seen.query == nil)
        #expect(seen.headers["api-key"] == Self.azureKey)
        #expect(seen.headers["authorization"] == nil)
        #expect(seen.json?["model"] == .string("gpt-5-mini-judge"))
    }

    @Test func theAuthHeaderIsImpliedByTheURLUnlessTheConfigNamesIt() throws {
        let azure = "https://r.openai.azure.com/openai/v1/"
        #expect(AuthHeader.implied(by: azure) == .apiKey)
        #expect(AuthHeader.implied(by: "https://r.cognitiveservices.azure.com/openai/deployments/d?api-version=2024-10-21") == .apiKey)
        #expect(AuthHeader.implied(by: "https://generativelanguage.googleapis.com/v1beta/openai/") == .bearer)
        #expect(AuthHeader.implied(by: "http://127.0.0.1:8000/v1") == .bearer)
        let yaml = """
        workdir: w
        backends:
          scorer: {kind: openai, base_url: "\(azure)", model: judge, api_key_env: AZURE_OPENAI_API_KEY, auth_header: bearer}
        """
        let s = try RunConfig.parse(yaml, file: "/tmp/x.yaml").backends.scorer
        let c = try client(s, key: Self.azureKey)
        #expect(c.authHeader == .bearer)
    }

    @Test func geminisRefusalOfAKeyIsAnAuthErrorWithoutTheKey() async throws {
        // Gemini answers an unknown key with a 400 whose debug details quote the key.
        let body = """
        [{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT", \
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com", \
        "metadata": {"service": "generativelanguage.googleapis.com"}}, \
        {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": "Invalid API key: \(Self.geminiKey)"}]}}]
        """
        let server = try await FakeServer.scripted([.json(body, status: 400)])
        defer { server.stop() }
        let s = try shipped("gemini-judge.yaml").backends.scorer
        let (result, log) = await judgeOnce(try pointed(try client(s, key: Self.geminiKey), at: server))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .auth)
        #expect(error.attempts == 1)
        #expect(error.description.contains("environment variable GEMINI_API_KEY"))
        for text in [error.description] + log.all.compactMap(\.message) {
            #expect(!text.contains(Self.geminiKey) && !text.contains(String(Self.geminiKey.suffix(12))), "key in: \(text)")
        }
    }

    @Test func azuresRefusalOfAKeyNamesTheVariableNotTheKey() async throws {
        let body = #"{"error": {"code": "401", "message": "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}"#
        let server = try await FakeServer.scripted([.json(body, status: 401)])
        defer { server.stop() }
        let s = try shipped("azure-gpt.yaml").backends.thinker
        let (result, log) = await judgeOnce(try pointed(try client(s, key: Self.azureKey), at: server))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.errorClass == .auth)
        #expect(error.description.contains("AZURE_OPENAI_API_KEY"))
        #expect(error.description.contains("api-version=2025-04-01-preview"))
        for text in [error.description] + log.all.compactMap(\.message) {
            #expect(!text.contains(Self.azureKey), "key in: \(text)")
        }
    }
}
