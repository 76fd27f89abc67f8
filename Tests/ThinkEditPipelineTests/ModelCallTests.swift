import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
import ThinkEditTestSupport
@testable import ThinkEditPipeline

/// What the call journal keeps of one completed model call.
@Suite struct ModelCallTests {
    @Test func aCallsRecordCarriesItsCachedPromptTokensPricedAtTheCachedPrice() async throws {
        var settings = BackendSettings.synthetic(role: "thinker")
        settings.pricePromptPerMillion = 1.25
        settings.priceCachedPromptPerMillion = 0.125
        settings.priceCompletionPerMillion = 10
        let priced = settings
        let usage = Usage(promptTokens: 2006, completionTokens: 300, cachedPromptTokens: 1920)
        let site = CallSite(stage: .generate, backend: "gpt-5", kind: .think, trajectory: 1, turn: 2, requestHash: "h")
        let member = BackendSet.Member(backend: (), settings: priced, limiter: AsyncSemaphore(limit: 1))
        let (value, record) = try await timedCall(site, through: member, clock: .still) { ("answer", usage) }
        #expect(value == "answer")
        #expect(record.promptTokens == 2006 && record.cachedPromptTokens == 1920 && record.completionTokens == 300)
        #expect(abs(record.cost - (86 * 1.25 + 1920 * 0.125 + 300 * 10) / 1_000_000) < 1e-12)
    }
}
