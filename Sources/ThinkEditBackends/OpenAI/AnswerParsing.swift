import Foundation
import ThinkEditCore

/// Reads model answers that are meant to be JSON but arrive as models write them: inside code
/// fences, after a sentence of prose, followed by notes. The first balanced `{...}` that parses as
/// a JSON object wins.
enum LooseJSON {
    static func firstObject(in text: String) -> JSONValue? {
        let bytes = Array(text.utf8)
        var start = 0
        while let open = bytes[start...].firstIndex(of: UInt8(ascii: "{")) {
            if let close = matchingBrace(bytes, from: open),
               let value = try? JSONParser.parse(Array(bytes[open...close])), case .object = value {
                return value
            }
            start = open + 1
        }
        return nil
    }

    /// The index of the brace closing the one at `open`, skipping braces inside strings.
    private static func matchingBrace(_ b: [UInt8], from open: Int) -> Int? {
        var depth = 0
        var inString = false
        var i = open
        while i < b.count {
            let c = b[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 2; continue }
                if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") {
                depth += 1
            } else if c == UInt8(ascii: "}") {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }

    static func text(_ v: JSONValue?) -> String? {
        if case .string(let s)? = v { return s }
        return nil
    }

    static func bool(_ v: JSONValue?) -> Bool? {
        switch v {
        case .bool(let b)?: return b
        case .string(let s)?:
            switch s.lowercased().trimmingCharacters(in: .whitespaces) {
            case "true", "yes": return true
            case "false", "no": return false
            default: return nil
            }
        default: return nil
        }
    }

    static func number(_ v: JSONValue?) -> ScoreNumber? {
        switch v {
        case .integer(let i)?: return ScoreNumber(Int(i))
        case .number(let d)?: return ScoreNumber(decimal: d)
        case .string(let s)?:
            if let i = Int(s.trimmingCharacters(in: .whitespaces)) { return ScoreNumber(i) }
            if let d = Double(s.trimmingCharacters(in: .whitespaces)) { return ScoreNumber(decimal: d) }
            return nil
        default: return nil
        }
    }
}

/// The format an expert (or a trained thinker) answers in.
package enum ExpertAnswerFormat: String, Sendable, Hashable, CaseIterable {
    /// `{"is_satisfied": bool, "reason": "...", "new_rewritten_prompt": "..."}` (the public
    /// EditThinker expert format).
    case json
    /// `<think>R</think><score>...</score><answer>T</answer>`: the format a trained thinker outputs;
    /// an answer equal to the previous instruction means "good enough, stop".
    case tags
}

/// Turns an expert's text into a `ThinkAnswer`, or says precisely why it cannot.
enum ExpertAnswerParser {
    /// `serverReasoning` is the thinking a reasoning model's server returned beside the answer
    /// (`message.reasoning_content`); it is the reasoning when the answer has none of its own
    /// (no `reason`, an empty one, or no `<think>`), as when vLLM's reasoning parser has taken the
    /// `<think>` block out of the text.
    package static func parse(_ text: String, format: ExpertAnswerFormat, previousInstruction: String?,
                              serverReasoning: String? = nil) throws(AnswerParseError) -> ThinkAnswer {
        let fallback = serverReasoning?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
        switch format {
        case .json: return try parseJSON(text, serverReasoning: fallback)
        case .tags: return try parseTags(text, previousInstruction: previousInstruction, serverReasoning: fallback)
        }
    }

    static func parseJSON(_ text: String, serverReasoning: String? = nil) throws(AnswerParseError) -> ThinkAnswer {
        guard let object = LooseJSON.firstObject(in: text) else {
            throw AnswerParseError("the expert's answer holds no JSON object", answer: text)
        }
        guard let satisfied = LooseJSON.bool(object["is_satisfied"]) else {
            throw AnswerParseError("the expert's JSON lacks a true/false \"is_satisfied\"", answer: text)
        }
        let written = (LooseJSON.text(object["reason"]) ?? LooseJSON.text(object["reasoning"]))?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let reason = written?.nonEmpty ?? serverReasoning ?? written else {
            throw AnswerParseError("the expert's JSON lacks a \"reason\" text (and the server returned no reasoning_content)", answer: text)
        }
        let prompt = LooseJSON.text(object["new_rewritten_prompt"])?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !satisfied && prompt.isEmpty {
            throw AnswerParseError("the expert is not satisfied but gives no \"new_rewritten_prompt\"", answer: text)
        }
        return ThinkAnswer(satisfied: satisfied, reasoning: reason, instruction: prompt)
    }

    static func parseTags(_ text: String, previousInstruction: String?, serverReasoning: String? = nil) throws(AnswerParseError) -> ThinkAnswer {
        guard let answer = tag("answer", in: text)?.trimmingCharacters(in: .whitespacesAndNewlines), !answer.isEmpty else {
            throw AnswerParseError("the thinker's answer has no non-empty <answer>...</answer>", answer: text)
        }
        let reasoning = tag("think", in: text)?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty ?? serverReasoning ?? ""
        let satisfied = previousInstruction.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) == answer } ?? false
        return ThinkAnswer(satisfied: satisfied, reasoning: reasoning, instruction: answer)
    }

    /// The text between `<name>` and `</name>` (the last pair, so an echoed example does not win).
    static func tag(_ name: String, in text: String) -> String? {
        guard let open = text.range(of: "<\(name)>", options: .backwards),
              let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex) else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }
}

/// Turns a judge's text into a `JudgeAnswer`: `{"score": [a, b], "reasoning": "..."}`, two
/// numbers from 0 to 10.
package enum JudgeAnswerParser {
    package static func parse(_ text: String) throws(AnswerParseError) -> JudgeAnswer {
        guard let object = LooseJSON.firstObject(in: text) else {
            throw AnswerParseError("the judge's answer holds no JSON object", answer: text)
        }
        guard case .array(let items)? = object["score"] else {
            throw AnswerParseError("the judge's JSON lacks a \"score\" list", answer: text)
        }
        let numbers = items.compactMap { LooseJSON.number($0) }
        guard items.count == 2, numbers.count == 2 else {
            throw AnswerParseError("the judge's \"score\" must hold exactly two numbers, holds \(items.count) item(s)", answer: text)
        }
        guard numbers.allSatisfy({ (0...10).contains($0.value) }) else {
            throw AnswerParseError("the judge's scores must lie in 0...10, got \(numbers.map(\.description).joined(separator: ", "))", answer: text)
        }
        let reasoning = LooseJSON.text(object["reasoning"]) ?? LooseJSON.text(object["reason"]) ?? ""
        return JudgeAnswer(scores: numbers, reasoning: reasoning.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

fileprivate extension String {
    /// Nil for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// A model answer that does not say what it must. Retried like a failed call (class `parse`).
package struct AnswerParseError: Error, CustomStringConvertible, Sendable, Equatable {
    package var message: String
    /// The start of the offending answer, for the log.
    var excerpt: String

    init(_ message: String, answer: String) {
        self.message = message
        let flat = answer.replacingOccurrences(of: "\n", with: " ")
        excerpt = flat.count > 200 ? String(flat.prefix(200)) + "…" : flat
    }

    package var description: String { "\(message) (answer began: \"\(excerpt)\")" }
}
