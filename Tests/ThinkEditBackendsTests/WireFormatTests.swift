import Foundation
import NIOCore
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditImaging
import ThinkEditTestSupport

/// Each driver's wire format, checked on what a fake server received and on how answers are read.
@Suite struct WireFormatTests {
    static let expertJSON = #"{"is_satisfied": false, "reason": "only the hood is red", "new_rewritten_prompt": "paint the whole car body red"}"#

    func item() -> ItemContext {
        ItemContext(trajectoryID: "p-001", task: "color_alter", instruction: "make the car red", source: ImagePayload(bytes: testPNG))
    }

    func prompts() throws -> ExpertPrompts {
        ExpertPrompts(system: try PromptTemplate(text: "You are an editing expert.", required: [], allowed: []),
                      refine: try PromptTemplate(text: "Goal: {instruction}. Last: {previous_instruction}.", required: ExpertPrompts.refineNeeds, allowed: []),
                      rewrite: try PromptTemplate(text: "Rewrite: {instruction}", required: ["instruction"], allowed: []))
    }

    func chat(_ base: String, key: APIKey? = nil, jsonMode: Bool = true) -> OpenAIChatClient {
        OpenAIChatClient(backend: "expert", baseURL: base, model: "gpt-4.1", key: key, temperature: 0.2, maxTokens: 512, jsonMode: jsonMode,
                         extra: [("seed", .integer(3))],
                         reliability: Reliability(backend: "expert", retry: RetryPolicy(maxRetries: 0), timeout: 5, clock: .still))
    }

    @Test func theExpertRequestCarriesModelSettingsAndBothImagesAsDataURLs() async throws {
        let server = try await FakeServer.scripted([chatAnswer(Self.expertJSON)])
        defer { server.stop() }
        let key = APIKey(value: "sk-test-wire-0000", source: "environment variable K")
        let thinker = OpenAIThinker(name: "expert", client: chat(server.url + "/v1", key: key), prompts: try prompts(), format: .json)
        let previous = ImagePayload(bytes: testPNG + [0])
        let answer = try await thinker.think(ThinkRequest(item: item(), turn: 2, previousImage: previous, previousInstruction: "make the hood red"))
        #expect(answer == ThinkAnswer(satisfied: false, reasoning: "only the hood is red", instruction: "paint the whole car body red",
                                      usage: Usage(promptTokens: 100, completionTokens: 20)))
        let seen = try #require(server.log.all.first)
        #expect(seen.method == "POST")
        #expect(seen.path == "/v1/chat/completions")
        #expect(seen.headers["authorization"] == "Bearer sk-test-wire-0000")
        let body = try #require(seen.json)
        #expect(body["model"] == .string("gpt-4.1"))
        #expect(body["temperature"] == .number(0.2))
        #expect(body["max_tokens"] == .integer(512))
        #expect(body["seed"] == .integer(3))
        #expect(body["response_format"] == .object([("type", .string("json_object"))]))
        guard case .array(let messages)? = body["messages"], messages.count == 2,
              case .array(let parts)? = messages[1]["content"] else { Issue.record("bad messages: \(body.canonicalText.prefix(300))"); return }
        #expect(messages[0]["role"] == .string("system"))
        #expect(parts.count == 3)
        #expect(parts[0]["text"] == .string("Goal: make the car red. Last: make the hood red."))
        #expect(parts[1]["image_url"]?["url"] == .string("data:image/png;base64," + Data(testPNG).base64EncodedString()))
        #expect(parts[2]["image_url"]?["url"] == .string("data:image/png;base64," + Data(testPNG + [0]).base64EncodedString()))
    }

    @Test func azureBaseURLsKeepTheirApiVersionAndSendAnApiKeyHeader() async throws {
        let server = try await FakeServer.scripted([chatAnswer(Self.expertJSON)])
        defer { server.stop() }
        let key = APIKey(value: "azure-key-1234567", source: "environment variable AZ")
        let c = chat(server.url + "/v1?api-version=2024-10-21", key: key)
        #expect(c.url == server.url + "/v1/chat/completions?api-version=2024-10-21")
        _ = try await c.complete(system: nil, user: [.text("hi")]) { $0.content }
        let seen = try #require(server.log.all.first)
        #expect(seen.headers["api-key"] == "azure-key-1234567")
        #expect(seen.headers["authorization"] == nil)
    }

    @Test func expertJSONIsFoundInsideFencesAndProse() throws {
        let text = "Let me look.\n```json\n{\"is_satisfied\": \"true\", \"reason\": \"the car is {fully} red\", \"new_rewritten_prompt\": \"\"}\n```\nDone."
        let a = try ExpertAnswerParser.parse(text, format: .json, previousInstruction: "x")
        #expect(a.satisfied)
        #expect(a.reasoning == "the car is {fully} red")
    }

    @Test func anUnsatisfiedExpertWithoutANewPromptIsAParseError() {
        #expect(throws: AnswerParseError.self) {
            try ExpertAnswerParser.parse(#"{"is_satisfied": false, "reason": "not yet"}"#, format: .json, previousInstruction: nil)
        }
        #expect(throws: AnswerParseError.self) { try ExpertAnswerParser.parse("I cannot tell.", format: .json, previousInstruction: nil) }
    }

    @Test func theTagFormatStopsWhenTheAnswerKeepsThePreviousInstruction() throws {
        let refine = "<think>\nthe hood only\n</think>\n<score>\n{\"semantic\": 4, \"quality\": 8}\n</score>\n<answer>\npaint the body red\n</answer>"
        let a = try ExpertAnswerParser.parse(refine, format: .tags, previousInstruction: "make the car red")
        #expect(!a.satisfied)
        #expect(a.reasoning == "the hood only")
        #expect(a.instruction == "paint the body red")
        let stop = "<think>good</think><score>{}</score><answer> make the car red </answer>"
        #expect(try ExpertAnswerParser.parse(stop, format: .tags, previousInstruction: "make the car red").satisfied)
        #expect(throws: AnswerParseError.self) { try ExpertAnswerParser.parse("<think>x</think>", format: .tags, previousInstruction: nil) }
    }

    @Test func judgeScoresKeepIntegersAndRejectOutOfRange() throws {
        let a = try JudgeAnswerParser.parse("```\n{\"score\": [7, 8.5], \"reasoning\": \"ok\"}\n```")
        #expect(a.scores.map(\.description) == ["7", "8.5"])
        #expect(throws: AnswerParseError.self) { try JudgeAnswerParser.parse(#"{"score": [7, 11], "reasoning": "x"}"#) }
        #expect(throws: AnswerParseError.self) { try JudgeAnswerParser.parse(#"{"score": [7], "reasoning": "x"}"#) }
    }

    @Test func theJudgeSendsSourceAndEditForSemanticsAndTheEditAloneForQuality() async throws {
        let server = try await FakeServer.scripted([chatAnswer(#"{"score": [6, 9], "reasoning": "r"}"#)])
        defer { server.stop() }
        let prompts = JudgePrompts(system: try PromptTemplate(text: "judge", required: [], allowed: []),
                                   semantic: try PromptTemplate(text: "Instruction: {instruction}", required: ["instruction"], allowed: []),
                                   quality: try PromptTemplate(text: "Rate quality", required: [], allowed: []))
        let judge = OpenAIJudge(name: "judge", client: chat(server.url), prompts: prompts)
        let edited = ImagePayload(bytes: testPNG + [1])
        for aspect in JudgeAspect.allCases {
            let a = try await judge.judge(JudgeRequest(item: item(), turn: 1, edited: edited, aspect: aspect))
            #expect(a.scores.map(\.value) == [6, 9])
        }
        let bodies = server.log.all.compactMap { $0.json }
        func imageCount(_ v: JSONValue) -> Int {
            guard case .array(let m)? = v["messages"], case .array(let parts)? = m.last?["content"] else { return -1 }
            return parts.filter { $0["type"] == .string("image_url") }.count
        }
        #expect(bodies.map(imageCount) == [2, 1])
        #expect(bodies.first.map { $0.canonicalText.contains("Instruction: make the car red") } == true)
    }

    @Test func aPromptMissingAPlaceholderIsRefusedAtLoad() {
        #expect(throws: PromptError.self) {
            try PromptTemplate(text: "Fix {instruction}", file: "expert_refine.txt", required: ExpertPrompts.refineNeeds, allowed: [])
        }
        #expect(throws: PromptError.self) { try PromptTemplate(text: "{instruction} {colour}", required: ["instruction"], allowed: []) }
        let t = try? PromptTemplate(text: "JSON like {{\"a\": 1}} for {instruction}", required: ["instruction"], allowed: [])
        #expect(t?.render(["instruction": "x"]) == "JSON like {\"a\": 1} for x")
    }

    @Test func theBuiltInPromptsLoad() throws {
        let expert = try ExpertPrompts.load(folder: nil)
        let judge = try JudgePrompts.load(folder: nil)
        #expect(expert.refine.placeholders.isSuperset(of: ["instruction", "previous_instruction"]))
        #expect(judge.semantic.placeholders.contains("instruction"))
        #expect(expert.system.file == "built-in expert_system.txt")
        #expect(BuiltInPrompts.files.count == 7 && BuiltInPrompts.files.allSatisfy { !$0.text.isEmpty })
    }

    @Test func aPromptsFolderOverridesTheBuiltInsFileByFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("Be terse about {task}.".utf8).write(to: folder.appendingPathComponent("expert_system.txt"))
        let expert = try ExpertPrompts.load(folder: folder.path)
        #expect(expert.system.text == "Be terse about {task}.")
        #expect(expert.system.file == folder.appendingPathComponent("expert_system.txt").path)
        #expect(expert.refine.text == BuiltInPrompts.text(named: "expert_refine.txt"))
        #expect(expert.rewrite.text == BuiltInPrompts.text(named: "expert_rewrite.txt"))
        // An override is checked like any prompt: a refine prompt without the previous instruction is refused.
        try Data("Goal: {instruction}".utf8).write(to: folder.appendingPathComponent("expert_refine.txt"))
        #expect(throws: PromptError.self) { try ExpertPrompts.load(folder: folder.path) }
    }

    @Test func theOpenAIImagesEditorSendsMultipartWithTheSetOptionsAndReadsB64JSON() async throws {
        let answer = JSONValue.object([("data", .array([.object([("b64_json", .string(Data(testPNG).base64EncodedString()))])])),
                                       ("usage", .object([("input_tokens", .integer(50)), ("output_tokens", .integer(1000))]))]).canonicalText
        let server = try await FakeServer.scripted([.json(answer)])
        defer { server.stop() }
        let editor = OpenAIImagesEditor(name: "gpt-image", baseURL: server.url, model: "gpt-image-1",
                                        key: APIKey(value: "sk-img-12345678", source: "environment variable IMG"),
                                        options: OpenAIImagesOptions(quality: .high, size: .landscape, inputFidelity: .high),
                                        extra: [("background", .string("opaque"))],
                                        reliability: Reliability(backend: "gpt-image", retry: RetryPolicy(maxRetries: 0), timeout: 5, clock: .still))
        let result = try await editor.edit(EditRequest(item: item(), turn: 1, instruction: "make the car red", seed: 9))
        #expect(result.image == testPNG)
        #expect(result.usage == Usage(promptTokens: 50, completionTokens: 1000))
        let seen = try #require(server.log.all.first)
        #expect(seen.path == "/images/edits")
        let type = try #require(seen.headers["content-type"])
        #expect(type.hasPrefix("multipart/form-data; boundary="))
        let text = String(decoding: seen.body, as: UTF8.self)
        for field in ["name=\"model\"\r\n\r\ngpt-image-1\r\n", "name=\"prompt\"\r\n\r\nmake the car red\r\n",
                      "name=\"quality\"\r\n\r\nhigh\r\n", "name=\"size\"\r\n\r\n1536x1024\r\n",
                      "name=\"input_fidelity\"\r\n\r\nhigh\r\n", "name=\"background\"\r\n\r\nopaque\r\n",
                      "name=\"image\"; filename=\"source.png\"\r\nContent-Type: image/png"] {
            #expect(text.contains(field), "multipart body lacks \(field)")
        }
        // The GPT image models answer base64 and refuse response_format (400 unknown_parameter).
        #expect(!text.contains("response_format"))
        #expect(seen.body.count > testPNG.count)
    }

    @Test func optionsNotSetAreNotSentAndDallEModelsAreAskedForBase64() {
        let plain = OpenAIImagesEditor(name: "e", baseURL: "http://127.0.0.1:1", model: "gpt-image-1", key: nil,
                                       reliability: Reliability(backend: "e", retry: RetryPolicy(maxRetries: 0), timeout: 5, clock: .still))
        let request = EditRequest(item: item(), turn: 1, instruction: "x", seed: 1)
        let text = String(decoding: plain.requestBody(request, boundary: "b"), as: UTF8.self)
        for name in ["quality", "size", "input_fidelity", "response_format"] { #expect(!text.contains("name=\"\(name)\"")) }
        var dalle = plain
        dalle.model = "dall-e-2"
        #expect(String(decoding: dalle.requestBody(request, boundary: "b"), as: UTF8.self).contains("name=\"response_format\"\r\n\r\nb64_json"))
    }

    @Test func anEditRefusedByOpenAIsSafetySystemIsModerated() async throws {
        let server = try await FakeServer.scripted([.json(#"{"error": {"message": "Your request was rejected as a result of our safety system.", "type": "image_generation_user_error", "param": null, "code": "moderation_blocked"}}"#, status: 400)])
        defer { server.stop() }
        let editor = OpenAIImagesEditor(name: "gpt-image", baseURL: server.url, model: "gpt-image-1", key: nil,
                                        reliability: Reliability(backend: "gpt-image", retry: RetryPolicy(maxRetries: 3, baseDelay: 0), timeout: 5, clock: .still))
        do {
            _ = try await editor.edit(EditRequest(item: item(), turn: 1, instruction: "x", seed: 1))
            Issue.record("expected a failure")
        } catch let error as BackendError {
            #expect(error.errorClass == .moderated)
            #expect(error.attempts == 1)
            #expect(error.message.contains("safety system"))
        }
        #expect(server.log.count == 1)
    }
}

/// An image payload's cached wire forms are the same text the wire helpers make, for every copy.
@Suite struct ImagePayloadWireTests {
    @Test func wireFormsEqualTheHelpers() throws {
        let a = ImagePayload(bytes: testPNG)
        _ = a.dataURL
        let b = a
        #expect(b.dataURL == ImageWire.dataURL(testPNG))
        #expect(a.base64 == ImageWire.base64(testPNG))
        #expect(b.base64 == ImageWire.base64(testPNG))
        #expect(a == ImagePayload(bytes: testPNG))
        // The base64 asked first, then the data URL: the same texts.
        let c = ImagePayload(bytes: testPNG)
        #expect(c.base64 == ImageWire.base64(testPNG))
        #expect(c.dataURL == ImageWire.dataURL(testPNG))
    }
}

/// A request body goes out as pieces: the JSON text, and each image's base64 as the one buffer its
/// payload made, never copied into the body.
@Suite struct WireBodyTests {
    func address(_ piece: ByteBuffer) -> UnsafeRawPointer? { piece.withUnsafeReadableBytes { $0.baseAddress } }

    @Test func imagesGoAsTheirPayloadsSharedBase64AndTheBodyIsTheCanonicalText() throws {
        let source = ImagePayload(bytes: testPNG), edit = ImagePayload(bytes: testPNG + [0])
        let client = WireFormatTests().chat("http://127.0.0.1:1")
        let body = client.requestBody(system: "judge \"fairly\"", user: [.text("a\nb"), .payload(source), .payload(edit)])
        // Text, source base64, text, edit base64, text.
        #expect(body.pieces.count == 5)
        #expect(body.count == body.pieces.reduce(0) { $0 + $1.readableBytes })
        #expect(String(buffer: body.pieces[1]) == Data(testPNG).base64EncodedString())
        #expect(String(buffer: body.pieces[3]) == Data(testPNG + [0]).base64EncodedString())
        // Joined, the pieces are the JSON text `JSONValue` writes: keys in byte order, escapes kept.
        let text = String(decoding: body.bytes, as: UTF8.self)
        let parsed = try JSONParser.parse(body.bytes)
        #expect(parsed.canonicalText == text)
        guard case .array(let messages)? = parsed["messages"], case .array(let parts)? = messages.last?["content"] else {
            Issue.record("no user content in \(text.prefix(200))")
            return
        }
        #expect(parts[0]["text"] == .string("a\nb"))
        #expect(parts[1]["image_url"]?["url"] == .string(source.dataURL))
        #expect(parts[2]["image_url"]?["url"] == .string(ImageWire.dataURL(testPNG + [0])))
        // A second body, from a copy of the payload, sends the very same buffer.
        let copy = source
        let again = client.requestBody(system: nil, user: [.payload(copy)])
        #expect(address(again.pieces[1]) == address(body.pieces[1]))
        #expect(address(again.pieces[1]) != nil)
    }

    @Test func editedImagesDecodeFromOneLineOrWrappedBase64() {
        let one = Data(testPNG).base64EncodedString()
        let wrapped = Data(testPNG).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        #expect(wrapped.contains("\r\n"))
        #expect(ImageWire.decode(one) == testPNG)
        #expect(ImageWire.decode(wrapped) == testPNG)
        #expect(ImageWire.decode("data:image/png;base64," + one) == testPNG)
        #expect(ImageWire.decode("") == nil)
        #expect(ImageWire.decode("!!!!") == nil)
    }

    @Test func aLargeBodyStreamedPieceByPieceArrivesWhole() async throws {
        // 400×400 of noise: a PNG of about 480 KB, so the body is above the size joined before sending.
        var rng = SplitMix64(seed: 5)
        let noise = (0..<400 * 400 * 3).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let large = ImagePayload(bytes: try ImageCodec.encodePNG(RGBImage(width: 400, height: 400, pixels: noise)))
        let server = try await FakeServer.scripted([chatAnswer(WireFormatTests.expertJSON)])
        defer { server.stop() }
        let client = WireFormatTests().chat(server.url + "/v1")
        let body = client.requestBody(system: "s", user: [.text("t"), .payload(large), .payload(ImagePayload(bytes: testPNG))])
        #expect(body.count > HTTPTransport.joinedBodyLimit && body.pieces.count == 5)
        _ = try await client.complete(body: body) { $0.content }
        let seen = try #require(server.log.all.first)
        #expect(seen.body == body.bytes)
        guard case .array(let messages)? = seen.json?["messages"], case .array(let parts)? = messages.last?["content"] else {
            Issue.record("no user content")
            return
        }
        #expect(parts[1]["image_url"]?["url"] == .string(ImageWire.dataURL(large.bytes)))
    }

    @Test func aStreamedBodyFollowsA307WithItsBodyAsTheClientDoesForOthers() async throws {
        var rng = SplitMix64(seed: 6)
        let noise = (0..<400 * 400 * 3).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let large = ImagePayload(bytes: try ImageCodec.encodePNG(RGBImage(width: 400, height: 400, pixels: noise)))
        let moved = FakeReply(status: 307, headers: [("location", "/v2/chat/completions")], body: [])
        let server = try await FakeServer.scripted([moved, chatAnswer(WireFormatTests.expertJSON)])
        defer { server.stop() }
        let client = WireFormatTests().chat(server.url + "/v1")
        let body = client.requestBody(system: nil, user: [.text("t"), .payload(large)])
        let content = try await client.complete(body: body) { $0.content }.0
        #expect(content == WireFormatTests.expertJSON)
        let seen = server.log.all
        #expect(seen.map(\.path) == ["/v1/chat/completions", "/v2/chat/completions"])
        #expect(seen.map(\.method) == ["POST", "POST"])
        #expect(seen.last?.body == body.bytes)
    }

    @Test func anEditorBodyCarriesTheSourceAsItsBareBase64Piece() throws {
        let body = WireJSON.body([("image", ImagePayload(bytes: testPNG).base64Value), ("prompt", .string("x"))], extra: [("steps", .integer(4))])
        #expect(body.pieces.count == 3)
        #expect(String(decoding: body.bytes, as: UTF8.self)
                == #"{"image":""# + Data(testPNG).base64EncodedString() + #"","prompt":"x","steps":4}"#)
    }
}
