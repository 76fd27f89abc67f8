/// How much a reasoning model thinks before it answers (`reasoning_effort`, sent as such). The
/// values are those of OpenAI's Chat Completions reference; which of them a model takes is the
/// model's business (GPT-5 takes `minimal`, GPT-5.1 `none` instead, o-series only `low` to
/// `high`, Gemini's OpenAI endpoint `none` to `high`): a value the model refuses comes back as a
/// 400 that names `reasoning_effort` (class `bad_request`). A newer value not listed here can go
/// through `extra: {reasoning_effort: ...}` until it is added.
package enum ReasoningEffort: String, Sendable, Hashable, CaseIterable {
    case none
    case minimal
    case low
    case medium
    case high
    case xhigh
}
