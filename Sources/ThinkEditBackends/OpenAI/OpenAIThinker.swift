/// The expert over a chat completions API (GPT-4.1, or a Qwen-VL served by vLLM). Before turn
/// t >= 2 it sees the source, the previous edit and the previous instruction (`expert_refine.txt`);
/// before turn 1 with `first_turn: rewrite`, the source only (`expert_rewrite.txt`). The answer is
/// parsed in the configured format; an unparseable one is retried like a failed call. When the
/// answer carries no reasoning of its own, the thinking the server returned beside it
/// (`reasoning_content`) is the turn's reasoning.
package struct OpenAIThinker: Thinker {
    package var name: String
    package var client: OpenAIChatClient
    package var prompts: ExpertPrompts
    package var format: ExpertAnswerFormat

    package init(name: String, client: OpenAIChatClient, prompts: ExpertPrompts, format: ExpertAnswerFormat) {
        self.name = name
        self.client = client
        self.prompts = prompts
        self.format = format
    }

    package func think(_ request: ThinkRequest) async throws -> ThinkAnswer {
        let (answer, usage) = try await client.complete(body: requestBody(request)) { [self] completion in
            try interpret(completion, turn: request.turn, isRewrite: request.previousImage == nil,
                          previousInstruction: request.previousInstruction, original: request.item.instruction)
        }
        var result = answer
        result.usage = usage
        return result
    }

    /// The chat request for one expert call, as sent online and written in batch files.
    package func requestBody(_ request: ThinkRequest) -> WireBody {
        var values = ["instruction": request.item.instruction, "task": request.item.task, "turn": String(request.turn)]
        let parts: [ChatPart]
        if let image = request.previousImage, let previous = request.previousInstruction {
            values["previous_instruction"] = previous
            parts = [.text(prompts.refine.render(values)), .payload(request.item.source), .payload(image)]
        } else {
            parts = [.text(prompts.rewrite.render(values)), .payload(request.item.source)]
        }
        return client.requestBody(system: prompts.system.render(values), user: parts)
    }

    /// Reads the expert's answer in the configured format. Before anything is edited (a rewrite)
    /// "satisfied" can only mean "the instruction is fine as is".
    func interpret(_ completion: ChatCompletion, turn: Int, isRewrite: Bool, previousInstruction: String?,
                   original: String) throws(AnswerParseError) -> ThinkAnswer {
        var a = try ExpertAnswerParser.parse(completion.content, format: format, previousInstruction: previousInstruction,
                                             serverReasoning: completion.reasoning)
        if isRewrite && a.satisfied {
            a.satisfied = false
            if a.instruction.isEmpty { a.instruction = original }
        }
        return a
    }

    /// A batch's answer to an expert call, read as an online one is (same failure classes).
    package func answer(of line: BatchResultLine, turn: Int, isRewrite: Bool, previousInstruction: String?,
                        original: String) throws -> ThinkAnswer {
        let completion = try client.completion(of: line)
        do {
            var answer = try interpret(completion, turn: turn, isRewrite: isRewrite, previousInstruction: previousInstruction, original: original)
            answer.usage = completion.usage
            return answer
        } catch {
            throw BackendError(.parse, backend: client.backend, client.key.redact(error.description))
        }
    }
}

/// The VIEScore-style judge over a chat completions API: two calls per image. Semantic sees the
/// source and the edit with the ORIGINAL instruction and gives (edit success, absence of
/// over-editing); quality sees the edit alone and gives (naturalness, absence of artifacts).
package struct OpenAIJudge: Scorer {
    package var name: String
    package var client: OpenAIChatClient
    package var prompts: JudgePrompts

    package init(name: String, client: OpenAIChatClient, prompts: JudgePrompts) {
        self.name = name
        self.client = client
        self.prompts = prompts
    }

    package func judge(_ request: JudgeRequest) async throws -> JudgeAnswer {
        let (answer, usage) = try await client.complete(body: requestBody(request)) { completion in
            try JudgeAnswerParser.parse(completion.content)
        }
        var result = answer
        result.usage = usage
        return result
    }

    /// The chat request for one judgement, as sent online and written in batch files.
    package func requestBody(_ request: JudgeRequest) -> WireBody {
        let values = ["instruction": request.item.instruction, "task": request.item.task]
        let parts: [ChatPart]
        switch request.aspect {
        case .semantic: parts = [.text(prompts.semantic.render(values)), .payload(request.item.source), .payload(request.edited)]
        case .quality: parts = [.text(prompts.quality.render(values)), .payload(request.edited)]
        }
        return client.requestBody(system: prompts.system.render(values), user: parts)
    }

    /// A batch's answer to a judgement, read as an online one is (same failure classes).
    package func answer(of line: BatchResultLine) throws -> JudgeAnswer {
        let completion = try client.completion(of: line)
        do {
            var answer = try JudgeAnswerParser.parse(completion.content)
            answer.usage = completion.usage
            return answer
        } catch {
            throw BackendError(.parse, backend: client.backend, client.key.redact(error.description))
        }
    }
}
