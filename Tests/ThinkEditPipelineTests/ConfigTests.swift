import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditPipeline
@testable import ThinkEditSynthetic

@Suite struct ConfigTests {
    private func parse(_ text: String, workdir: String? = nil) throws -> RunConfig {
        try RunConfig.parse(text, file: "/cfg/run.yaml", workdir: workdir)
    }

    private func error(_ text: String) -> ConfigError? {
        do {
            _ = try parse(text)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            return nil
        }
    }

    @Test func theSyntheticWorldsDialsAreReadForTheirRolesOnly() throws {
        let c = try parse("""
            workdir: w
            pool: {synth: {count: 10, precision: {precise: 8, vague: 2}}}
            backends:
              thinker: {kind: synthetic, early_stop: 0.05, needless_continue: 0.3}
              editor: {kind: synthetic, failure_scale: 2, failures: {partial: 5, wrong_target: 0}, failure_severity: 0.5}
            """)
        #expect(c.pool.synth?.precisionWeights == [8, 0, 2])
        #expect(c.backends.thinker.world.earlyStop == 0.05 && c.backends.thinker.world.needlessContinue == 0.3)
        let editor = c.backends.editors[0].world
        #expect(editor.failureScale == 2 && editor.severity == 0.5)
        #expect(editor.failureFactors == ["partial": 5, "wrong_target": 0])
        #expect(editor.fingerprint == "failure_scale=2.0;partial=5.0;wrong_target=0.0;failure_severity=0.5")
        #expect(try parse("workdir: w\n").backends.editors[0].world.fingerprint.isEmpty)

        let misplaced = error("workdir: w\nbackends:\n  scorer: {kind: synthetic, early_stop: 0.1}\n")
        #expect(misplaced?.description.contains("backends.scorer") == true)
        #expect(misplaced?.description.contains("backends.thinker") == true)
        let http = error("workdir: w\nbackends:\n  editor: {kind: editthinker-http, endpoints: [\"http://h:1\"], failure_scale: 2}\n")
        #expect(http?.description.contains("kind editthinker-http does not take them") == true)
        let unknown = error("workdir: w\nbackends:\n  editor: {kind: synthetic, failures: {blur: 2}}\n")
        #expect(unknown?.description.contains("blur") == true)
        let nothing = error("workdir: w\npool: {synth: {count: 3, precision: {precise: 0}}}\n")
        #expect(nothing?.description.contains("pool.synth.precision") == true)
        #expect(error("workdir: w\nbackends:\n  editor: {kind: synthetic, failure_severity: 0}\n")?.description.contains("failure_severity") == true)
    }

    @Test func aSyntheticEditorStartsFromItsProfileAndExplicitDialsOverrideIt() throws {
        let c = try parse("""
            workdir: w
            backends:
              editor:
                - {kind: synthetic, profile: omnigen2}
                - {kind: synthetic, profile: qwen-image-edit, failure_scale: 2, failures: {partial: 3}, failure_persistence: 0.1}
                - {kind: synthetic}
            """)
        let settings = c.backends.editors
        #expect(settings.map(\.name) == ["omnigen2", "qwen-image-edit", "synthetic"])
        #expect(settings[0].world.fingerprint == "profile=omnigen2")
        #expect(settings[1].world.fingerprint == "profile=qwen-image-edit;failure_scale=2.0;partial=3.0;failure_persistence=0.1")

        let omnigen = BackendSet.syntheticEditor(settings[0], seed: 1)
        let profile = SyntheticEditorProfile.omnigen2
        #expect(omnigen.failureScale == profile.failureScale && omnigen.severity == profile.severity && omnigen.persistence == profile.persistence)
        #expect(omnigen.clear == EditFailureRates.clear.scaled(by: profile.failureFactors))

        let qwen = BackendSet.syntheticEditor(settings[1], seed: 1)
        var factors = SyntheticEditorProfile.qwenImageEdit.failureFactors
        factors[.partial] = 3
        #expect(qwen.failureScale == 2 && qwen.persistence == 0.1 && qwen.severity == SyntheticEditorProfile.qwenImageEdit.severity)
        #expect(qwen.vague == EditFailureRates.vague.scaled(by: factors))

        // No profile: the world's default editor, flux-kontext-dev's dials.
        let plain = BackendSet.syntheticEditor(settings[2], seed: 1)
        let flux = SyntheticEditorProfile.fluxKontextDev
        #expect(plain.ambiguous == EditFailureRates.ambiguous.scaled(by: flux.failureFactors) && plain.severity == flux.severity
                && plain.persistence == flux.persistence && plain.failureScale == flux.failureScale)

        let unknown = error("workdir: w\nbackends:\n  editor: {kind: synthetic, profile: flux-pro}\n")
        #expect(unknown?.description.contains("flux-pro") == true)
        #expect(unknown?.description.contains("flux-kontext-dev, omnigen2, qwen-image-edit") == true)
        let misplaced = error("workdir: w\nbackends:\n  thinker: {kind: synthetic, profile: omnigen2}\n")
        #expect(misplaced?.description.contains("backends.editor") == true)
        #expect(error("workdir: w\nbackends:\n  editor: {kind: synthetic, failure_persistence: 2}\n")?.description.contains("failure_persistence") == true)
    }

    @Test func defaultsFillEverythingNotGiven() throws {
        let c = try parse("workdir: runs/a\n")
        #expect(c.workdir == "/cfg/runs/a")
        #expect(c.seed == 0)
        #expect(c.generation.maxTurns == 5)
        #expect(c.generation.firstTurn == .original)
        #expect(c.curation.rlMinVariance == 1.0)
        #expect(c.curation.rlTrajectories == 10_000)
        #expect(c.curation.sftSamples == 140_000)
        #expect(c.curation.sftMinQuality == 7.0)
        #expect(c.curation.stopSamples)
        #expect(c.export.maxPixels == 1_048_576)
        #expect(c.export.formats == [.llamafactory, .swift, .editThinkerRL, .verl])
        #expect(c.export.dir == "/cfg/runs/a/export")
        #expect(c.backends.editors.map(\.kind) == [.synthetic])
        #expect(c.taxonomy == .gedit)
        #expect(c.images.maxPixels == 64_000_000)
    }

    @Test func theSpecExampleParses() throws {
        let c = try parse("""
            workdir: runs/demo
            seed: 7
            pool: {path: pool/pool.jsonl}
            generation: {max_turns: 5}
            rl: {min_variance: 1.0, trajectories: 10000}
            sft: {samples: 140000, min_quality: 7.0}
            stop_samples: true
            export: {formats: [llamafactory, swift, editthinker-rl, verl], max_pixels: 1048576}
            backends:
              thinker: {kind: openai, base_url: "https://api.openai.com/v1", model: gpt-4.1, api_key_env: OPENAI_API_KEY, concurrency: 32}
              scorer:  {kind: openai, base_url: "https://api.openai.com/v1", model: gpt-4.1, api_key_env: OPENAI_API_KEY, concurrency: 32}
              editor:  {kind: editthinker-http, endpoints: ["http://gpu-node-1:8080", "http://gpu-node-2:8080"], concurrency: 16}
            """)
        #expect(c.seed == 7)
        #expect(c.pool.path == "/cfg/pool/pool.jsonl")
        #expect(c.backends.thinker.kind == .openai)
        #expect(c.backends.thinker.apiKeyEnv == "OPENAI_API_KEY")
        #expect(c.backends.thinker.concurrency == 32)
        #expect(c.backends.editors[0].endpoints.count == 2)
    }

    @Test func workdirOptionOverridesTheFile() throws {
        let c = try parse("workdir: runs/a\n", workdir: "/elsewhere/run")
        #expect(c.workdir == "/elsewhere/run")
        let d = try parse("seed: 1\n", workdir: "/x")
        #expect(d.workdir == "/x")
    }

    @Test func unknownKeyNamesFileLineAndKey() throws {
        let e = try #require(error("workdir: w\nrl:\n  min_variance: 1.0\n  trajectorys: 5\n"))
        #expect(e.kind == .unknownKey)
        #expect(e.line == 4)
        #expect(e.key == "rl.trajectorys")
        #expect(e.description.hasPrefix("/cfg/run.yaml:4: rl.trajectorys:"))
        #expect(e.description.contains("trajectories"))
    }

    @Test func aPromptsKeyMustNameAFolder() throws {
        let e = try #require(error("""
            workdir: w
            backends:
              thinker: {kind: openai, base_url: "http://localhost:1", model: m, prompts: my-promts}
            """))
        #expect(e.line == 3)
        #expect(e.key == "backends.thinker.prompts")
        #expect(e.description.contains("/cfg/my-promts is not a folder"))
        #expect(e.description.contains("prompts export"))
    }

    @Test func wrongTypeNamesTheKey() throws {
        let e = try #require(error("workdir: w\ngeneration:\n  max_turns: five\n"))
        #expect(e.kind == .wrongType)
        #expect(e.line == 3)
        #expect(e.key == "generation.max_turns")
        let f = try #require(error("workdir: w\nrl: 3\n"))
        #expect(f.kind == .wrongType)
        #expect(f.key == "rl")
    }

    @Test func missingRequiredValueIsNamed() throws {
        let e = try #require(error("seed: 3\n"))
        #expect(e.kind == .missing)
        #expect(e.key == "workdir")
        let b = try #require(error("workdir: w\nbackends:\n  thinker: {kind: openai, model: gpt-4.1}\n"))
        #expect(b.kind == .missing)
        #expect(b.key == "backends.thinker.base_url")
        #expect(b.line == 3)
    }

    @Test func invalidValuesAreRefused() throws {
        #expect(error("workdir: w\ngeneration: {max_turns: 0}\n")?.kind == .invalidValue)
        #expect(error("workdir: w\ngeneration: {first_turn: sometimes}\n")?.kind == .invalidValue)
        #expect(error("workdir: w\nexport: {formats: [llamafactory, csv]}\n")?.key == "export.formats[1]")
        #expect(error("workdir: w\nbackends: {editor: {kind: magic}}\n")?.key == "backends.editor.kind")
        #expect(error("workdir: w\ntaxonomy: [a, b]\ntask_map: {x: c}\n")?.key == "task_map.x")
    }

    @Test func syntaxErrorsCarryTheLine() throws {
        let e = try #require(error("workdir: w\nrl: {min_variance: 1.0\nsft: 3\n"))
        #expect(e.kind == .syntax)
        #expect(e.line != nil)
    }

    @Test func aKeyInTheConfigIsRefused() throws {
        let e = try #require(error("workdir: w\nbackends:\n  scorer: {kind: openai, base_url: 'https://x/v1', model: m, api_key: sk-123}\n"))
        #expect(e.key == "backends.scorer.api_key")
        #expect(e.description.contains("api_key_env"))
        #expect(!e.description.contains("sk-123"))
    }

    @Test func anUnreadableFileIsNamed() throws {
        #expect(throws: ConfigError.self) { _ = try RunConfig.load(path: "/no/such/config.yaml") }
        do { _ = try RunConfig.load(path: "/no/such/config.yaml") } catch let e as ConfigError {
            #expect(e.kind == .unreadable)
            #expect(e.description.contains("/no/such/config.yaml"))
        }
    }

    @Test func taxonomyAndTaskMap() throws {
        let c = try parse("workdir: w\ntaxonomy: imgedit\ntask_map: {color_alter: adjust}\n")
        #expect(c.taxonomy.resolve("adjust") == "adjust")
        #expect(c.taxonomy.resolve("color_alter") == "adjust")
        #expect(c.taxonomy.resolve("subject-add") == nil)
    }

    @Test func severalEditorsWithWeights() throws {
        let c = try parse("""
            workdir: w
            backends:
              editor:
                - {kind: editthinker-http, name: flux-kontext, endpoints: ["http://a:1"], weight: 2}
                - {kind: editthinker-http, name: qwen-image-edit, endpoints: ["http://b:1"]}
            """)
        #expect(c.backends.editors.map(\.name) == ["flux-kontext", "qwen-image-edit"])
        #expect(c.backends.editors.map(\.weight) == [2, 1])
        #expect(error("workdir: w\nbackends:\n  editor:\n    - {kind: synthetic}\n    - {kind: synthetic}\n")?.kind == .invalidValue)
    }

    // MARK: - Reasoning chat models

    @Test func reasoningModelSettingsAreRead() throws {
        let c = try parse("""
            workdir: w
            backends:
              thinker: {kind: openai, base_url: "https://api.openai.com/v1", model: gpt-5, max_completion_tokens: 8192, reasoning_effort: minimal,
                        price: {prompt_per_million: 1.25, cached_prompt_per_million: 0.125, completion_per_million: 10}}
              scorer: {kind: openai, base_url: "http://127.0.0.1:8000/v1", model: qwen, max_tokens: 512, temperature: 0, auth_header: api-key}
            """)
        let t = c.backends.thinker, s = c.backends.scorer
        #expect(t.maxCompletionTokens == 8192 && t.maxTokens == nil && t.temperature == nil)
        #expect(t.reasoningEffort == .minimal)
        #expect(t.priceCachedPromptPerMillion == 0.125)
        #expect(t.authHeader == nil)
        #expect(s.maxTokens == 512 && s.maxCompletionTokens == nil && s.temperature == 0 && s.reasoningEffort == nil)
        #expect(s.authHeader == .apiKey)
        #expect(s.priceCachedPromptPerMillion == nil)
    }

    @Test func anUnknownReasoningEffortListsTheValues() throws {
        let e = try #require(error("""
            workdir: w
            backends:
              thinker: {kind: openai, base_url: "https://api.openai.com/v1", model: gpt-5, reasoning_effort: maximal}
            """))
        #expect(e.kind == .invalidValue)
        #expect(e.key == "backends.thinker.reasoning_effort")
        #expect(e.line == 3)
        #expect(e.description.contains("unknown reasoning effort \"maximal\": use one of none, minimal, low, medium, high, xhigh"))
        let h = try #require(error("""
            workdir: w
            backends:
              scorer: {kind: openai, base_url: "https://x.openai.azure.com/openai/v1/", model: m, auth_header: x-api-key}
            """))
        #expect(h.key == "backends.scorer.auth_header")
        #expect(h.description.contains("use one of bearer, api-key"))
    }

    @Test func bothTokenLimitsAtOnceAreRefusedWithWhichToUseWhen() throws {
        let e = try #require(error("""
            workdir: w
            backends:
              thinker: {kind: openai, base_url: "https://api.openai.com/v1", model: gpt-5, max_tokens: 512, max_completion_tokens: 4096}
            """))
        #expect(e.key == "backends.thinker.max_tokens")
        #expect(e.description.contains("max_completion_tokens for OpenAI and Azure"))
    }

    @Test func reasoningSettingsBelongToChatBackends() throws {
        #expect(error("""
            workdir: w
            backends:
              editor: {kind: editthinker-http, endpoints: ["http://a:1"], reasoning_effort: low}
            """)?.key == "backends.editor.reasoning_effort")
        #expect(error("""
            workdir: w
            backends:
              editor: {kind: editthinker-http, endpoints: ["http://a:1"], auth_header: api-key}
            """)?.key == "backends.editor.auth_header")
    }

    @Test func aKeyInTheBaseURLQueryIsRefused() throws {
        let e = try #require(error("""
            workdir: w
            backends:
              scorer: {kind: openai, base_url: "https://generativelanguage.googleapis.com/v1beta/openai/?key=AIzaSyLEAK", model: gemini-2.5-flash}
            """))
        #expect(e.key == "backends.scorer.base_url")
        #expect(e.description.contains("a key never goes in the config"))
        #expect(!e.description.contains("AIzaSyLEAK"))
    }

    @Test func cachedPromptTokensArePricedAtTheCachedPrice() throws {
        var s = BackendSettings.synthetic(role: "thinker")
        s.pricePromptPerMillion = 1.25
        s.priceCompletionPerMillion = 10
        let usage = Usage(promptTokens: 2_000_000, completionTokens: 100_000, cachedPromptTokens: 1_500_000)
        // No cached price: every prompt token at the prompt price.
        #expect(abs(s.cost(usage) - (2 * 1.25 + 0.1 * 10)) < 1e-9)
        s.priceCachedPromptPerMillion = 0.125
        #expect(abs(s.cost(usage) - (0.5 * 1.25 + 1.5 * 0.125 + 0.1 * 10)) < 1e-9)
        #expect(s.cost(nil) == 0)
    }
}
