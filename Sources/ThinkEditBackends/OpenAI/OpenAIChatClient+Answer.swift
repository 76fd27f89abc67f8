import ThinkEditCore

extension OpenAIChatClient {
    /// Reads a 2xx chat completion: the first choice's text, the reasoning the server returns
    /// beside it, and the usage. A refusal or `finish_reason: content_filter` is class `refused`;
    /// `finish_reason: length` is class `truncated`, with the token limit in the message; a body
    /// that is not a chat completion is class `parse`.
    func answer(from body: [UInt8]) throws -> ChatCompletion {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw BackendError(.parse, backend: backend, "the chat answer is not JSON (\(error)): \(key.redact(HTTPStatusCheck.snippet(body)))")
        }
        return try answer(from: value)
    }

    /// `answer(from:)` for a body already parsed (a batch result line's).
    func answer(from value: JSONValue) throws -> ChatCompletion {
        guard case .array(let choices)? = value["choices"], let first = choices.first else {
            throw BackendError(.parse, backend: backend, "the chat answer has no choices[0]")
        }
        let message = first["message"]
        if let refusal = LooseJSON.text(message?["refusal"]), !refusal.isEmpty {
            throw BackendError(.refused, backend: backend, "the model refused: \(refusal.prefix(200))")
        }
        let usage = value["usage"].map(Self.usage)
        let finish = LooseJSON.text(first["finish_reason"])
        if finish == "content_filter" {
            throw BackendError(.refused, backend: backend, "the provider's content filter stopped the answer (finish_reason content_filter)")
        }
        if finish == "length" {
            throw BackendError(.truncated, backend: backend, truncationMessage(value["usage"]))
        }
        guard let content = LooseJSON.text(message?["content"]) else {
            throw BackendError(.parse, backend: backend, "the chat answer has no choices[0].message.content text")
        }
        let reasoning = [message?["reasoning_content"], message?["reasoning"]].lazy
            .compactMap { LooseJSON.text($0) }
            .first { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        return ChatCompletion(content: content, reasoning: reasoning, finishReason: finish, usage: usage)
    }

    /// `usage`, with the prompt tokens the provider served from its cache
    /// (`prompt_tokens_details.cached_tokens`, which OpenAI, Azure and vLLM report).
    static func usage(_ u: JSONValue) -> Usage {
        func int(_ v: JSONValue?) -> Int { if case .integer(let i)? = v { return Int(i) }; return 0 }
        return Usage(promptTokens: int(u["prompt_tokens"]), completionTokens: int(u["completion_tokens"]),
                     cachedPromptTokens: int(u["prompt_tokens_details"]?["cached_tokens"]))
    }

    /// What to change when the answer stopped at the token limit: the config key and its value.
    private func truncationMessage(_ usage: JSONValue?) -> String {
        var spent = ""
        if case .integer(let n)? = usage?["completion_tokens"] {
            spent = ", \(n) completion tokens"
            if case .integer(let r)? = usage?["completion_tokens_details"]?["reasoning_tokens"], r > 0 { spent += ", \(r) of them reasoning" }
        }
        let head = "the answer was cut off at the token limit (finish_reason length\(spent))"
        guard let limit = tokenLimit else {
            return "\(head): the config sets no limit, so the model stopped at its own maximum; shorten the prompts or use a model with a longer output"
        }
        let advice = limit.key.hasSuffix("max_completion_tokens")
            ? "raise it (a reasoning model spends part of it on reasoning; a lower reasoning_effort leaves more for the answer)"
            : "raise it"
        return "\(head): \(limit.key) is \(limit.value) in the backend's config; \(advice), then `thinkedit retry-failed --class truncated`"
    }
}
