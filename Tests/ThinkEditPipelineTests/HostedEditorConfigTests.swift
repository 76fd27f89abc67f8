import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline

/// The config of the hosted editor kinds (bfl, gemini-image) and of openai-images' options: what
/// each requires, what it refuses, and the per-image price.
@Suite struct HostedEditorConfigTests {
    private func parse(_ editor: String, thinker: String = "{kind: synthetic}") throws -> RunConfig {
        try RunConfig.parse("workdir: w\nbackends:\n  thinker: \(thinker)\n  editor: \(editor)\n", file: "/cfg/run.yaml")
    }

    private func error(_ editor: String, thinker: String = "{kind: synthetic}") -> String? {
        do {
            _ = try parse(editor, thinker: thinker)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aBFLEditorTakesItsOptionsAndTheDefaultBaseURL() throws {
        let e = try parse("""
            {kind: bfl, name: flux-pro, model: flux-kontext-pro, api_key_env: BFL_API_KEY, price: {per_image: 0.04},
                     output_format: jpeg, safety_tolerance: 2, aspect_ratio: "4:3", poll_interval_seconds: 0.5}
            """).backends.editors[0]
        #expect(e.kind == .bfl && e.model == "flux-kontext-pro")
        #expect(e.baseURL == "https://api.bfl.ai/v1")
        #expect(e.pricePerImage == 0.04)
        #expect(e.bflOptions.outputFormat == .jpeg && e.bflOptions.safetyTolerance == 2 && e.bflOptions.aspectRatio == "4:3")
        #expect(e.bflOptions.pollInterval == 0.5)
        // Off unless the config turns it on: the recorded instruction must be what the editor ran.
        #expect(!e.bflOptions.promptUpsampling)
        let eu = try parse("{kind: bfl, model: flux-kontext-max, base_url: \"https://api.eu.bfl.ai/v1\", api_key_file: key.txt, prompt_upsampling: true}")
        #expect(eu.backends.editors[0].baseURL == "https://api.eu.bfl.ai/v1" && eu.backends.editors[0].bflOptions.promptUpsampling)
        #expect(eu.backends.editors[0].name == "flux-kontext-max")
    }

    @Test func aBFLEditorNeedsAKnownModelAndANamedKey() {
        #expect(error("{kind: bfl, model: flux-kontext-pro}")?.contains("api_key_env: BFL_API_KEY") == true)
        #expect(error("{kind: bfl, api_key_env: K}")?.contains("flux-kontext-pro, flux-kontext-max") == true)
        let unknown = error("{kind: bfl, model: flux-pro-1.1, api_key_env: K}")
        #expect(unknown?.contains("unknown BFL model \"flux-pro-1.1\"") == true)
        #expect(error("{kind: bfl, model: flux-kontext-pro, api_key: abc}")?.contains("never goes in the config") == true)
    }

    @Test func badBFLOptionsAreRefusedNamingTheChoices() {
        let base = "kind: bfl, model: flux-kontext-pro, api_key_env: K"
        #expect(error("{\(base), output_format: webp}")?.contains("use one of png, jpeg") == true)
        #expect(error("{\(base), safety_tolerance: 7}")?.contains("safety_tolerance") == true)
        #expect(error("{\(base), aspect_ratio: \"3:1\"}")?.contains("between 21:9 and 9:21") == true)
        #expect(error("{\(base), aspect_ratio: wide}")?.contains("aspect_ratio") == true)
        #expect(error("{\(base), extra: {seed: 3}}")?.contains("sends seed itself") == true)
        #expect(error("{\(base), extra: {prompt_upsampling: true}}")?.contains("as a key of the backend") == true)
        #expect(BackendSettings.isKontextAspectRatio("21:9") && BackendSettings.isKontextAspectRatio("9:21") && BackendSettings.isKontextAspectRatio("1:1"))
        #expect(!BackendSettings.isKontextAspectRatio("22:9") && !BackendSettings.isKontextAspectRatio("0:1"))
    }

    @Test func aGeminiImageEditorNeedsAModelAndAKey() throws {
        let e = try parse("{kind: gemini-image, model: gemini-2.5-flash-image, api_key_env: GEMINI_API_KEY, extra: {generationConfig: {temperature: 0.5}}}")
            .backends.editors[0]
        #expect(e.kind == .geminiImage && e.baseURL == "https://generativelanguage.googleapis.com/v1beta")
        #expect(error("{kind: gemini-image, api_key_env: K}")?.contains("gemini-2.5-flash-image") == true)
        #expect(error("{kind: gemini-image, model: m}")?.contains("api_key_env: GEMINI_API_KEY") == true)
        #expect(error("{kind: gemini-image, model: m, api_key_env: K, extra: {contents: []}}")?.contains("sends contents itself") == true)
        #expect(error("{kind: gemini-image, model: m, api_key_env: K, extra: {generationConfig: {seed: 1}}}")?.contains("generationConfig.seed") == true)
    }

    @Test func openAIImagesOptionsAreEnumsAndSentOnlyWhenSet() throws {
        let base = "kind: openai-images, base_url: \"https://api.openai.com/v1\", model: gpt-image-1, api_key_env: OPENAI_API_KEY"
        let e = try parse("{\(base), quality: high, size: 1024x1536, input_fidelity: high}").backends.editors[0]
        #expect(e.openAIImagesOptions == OpenAIImagesOptions(quality: .high, size: .portrait, inputFidelity: .high))
        #expect(try parse("{\(base)}").backends.editors[0].openAIImagesOptions == OpenAIImagesOptions())
        #expect(error("{\(base), quality: ultra}")?.contains("unknown value \"ultra\": use one of auto, low, medium, high, standard") == true)
        #expect(error("{\(base), size: 2048x2048}")?.contains("auto, 1024x1024, 1536x1024, 1024x1536, 256x256, 512x512") == true)
        #expect(error("{\(base), input_fidelity: max}")?.contains("use one of low, high") == true)
        #expect(error("{\(base), extra: {quality: low}}")?.contains("set quality as a key of the backend") == true)
    }

    @Test func anOptionOfOneKindIsRefusedOnAnother() {
        #expect(error("{kind: editthinker-http, endpoints: [\"http://h:1\"], quality: high}")?.contains("only openai-images editors take quality") == true)
        #expect(error("{kind: gemini-image, model: m, api_key_env: K, output_format: png}")?.contains("only bfl editors take output_format") == true)
    }

    @Test func onlyEditorsArePricedPerImage() {
        let thinker = "{kind: openai, base_url: \"http://h:1/v1\", model: m, price: {per_image: 0.1}}"
        #expect(error("{kind: synthetic}", thinker: thinker)?.contains("only editors are priced per image") == true)
        #expect(error("{kind: bfl, model: flux-kontext-pro, api_key_env: K, price: {per_image: -1}}") != nil)
    }

    @Test func hostedEditorsCannotThinkOrJudge() {
        #expect(error("{kind: synthetic}", thinker: "{kind: bfl, model: flux-kontext-pro, api_key_env: K}")?.contains("cannot be a thinker") == true)
    }
}

extension HostedEditorConfigTests {
    @Test func theShippedHostedEditorsConfigLoads() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try RunConfig.load(path: repo.appendingPathComponent("pipeline-configs/hosted-editors.yaml").path)
        #expect(config.backends.editors.map(\.kind) == [.bfl, .geminiImage, .openaiImages])
        #expect(config.backends.editors.map(\.pricePerImage) == [0.04, 0.039, 0])
        #expect(config.backends.editors[2].openAIImagesOptions == OpenAIImagesOptions(quality: .medium, size: .auto, inputFidelity: .high))
    }
}
