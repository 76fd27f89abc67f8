import Foundation

/// A prompt file with named placeholders (`{instruction}`, `{previous_instruction}`). Loaded once
/// at start: a template that lacks a placeholder its role needs, or names one nobody fills, is an
/// error then, not a silently wrong prompt days into a run. `{{` and `}}` write literal braces.
package struct PromptTemplate: Sendable, Hashable {
    package let file: String
    package let text: String
    /// The placeholder names the text uses.
    package let placeholders: Set<String>
    /// The text cut into literals and placeholders once, not at every call.
    private let pieces: [Piece]

    init(text: String, file: String = "<inline>", required: Set<String>, allowed: Set<String>) throws {
        self.file = file
        self.text = text
        pieces = Self.pieces(text)
        var names = Set<String>()
        for piece in pieces { if case .slot(let n) = piece { names.insert(n) } }
        placeholders = names
        let missing = required.subtracting(names).sorted()
        if !missing.isEmpty {
            throw PromptError(file: file, message: "lacks the placeholder\(missing.count > 1 ? "s" : "") \(missing.map { "{\($0)}" }.joined(separator: ", ")), which this prompt must show the model")
        }
        let unknown = names.subtracting(allowed).subtracting(required).sorted()
        if !unknown.isEmpty {
            throw PromptError(file: file, message: "uses \(unknown.map { "{\($0)}" }.joined(separator: ", ")), which is not filled here; known placeholders: \(allowed.union(required).sorted().map { "{\($0)}" }.joined(separator: ", ")) (write {{ and }} for literal braces)")
        }
    }

    /// The prompt `name`: the file of that name in `folder` when there is one, the built-in text
    /// otherwise (a folder overrides the built-ins file by file).
    package static func load(folder: String?, name: String, required: Set<String>, allowed: Set<String> = []) throws -> PromptTemplate {
        if let folder {
            let path = (folder as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path) {
                guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    throw PromptError(file: path, message: "cannot be read as UTF-8 text")
                }
                return try PromptTemplate(text: text, file: path, required: required, allowed: allowed)
            }
        }
        guard let text = BuiltInPrompts.text(named: name) else {
            preconditionFailure("\(name) is not a built-in prompt")
        }
        return try PromptTemplate(text: text, file: "built-in \(name)", required: required, allowed: allowed)
    }

    /// The text with every placeholder replaced by its value (absent values render empty).
    package func render(_ values: [String: String]) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let s): out += s
            case .slot(let n): out += values[n] ?? ""
            }
        }
        return out
    }

    private enum Piece: Sendable, Hashable { case literal(String), slot(String) }

    private static func pieces(_ text: String) -> [Piece] {
        var result: [Piece] = []
        var literal = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if c == "{", next < text.endIndex, text[next] == "{" { literal.append("{"); i = text.index(after: next); continue }
            if c == "}", next < text.endIndex, text[next] == "}" { literal.append("}"); i = text.index(after: next); continue }
            if c == "{", let close = text[next...].firstIndex(of: "}") {
                let name = text[next..<close]
                if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    if !literal.isEmpty { result.append(.literal(literal)); literal = "" }
                    result.append(.slot(String(name)))
                    i = text.index(after: close)
                    continue
                }
            }
            literal.append(c)
            i = next
        }
        if !literal.isEmpty { result.append(.literal(literal)) }
        return result
    }
}

/// A prompt file that cannot be used.
struct PromptError: Error, CustomStringConvertible, Sendable {
    package var file: String
    package var message: String
    package var description: String { "prompt \(file): \(message)" }
}

/// The prompts of the expert and the judge: the built-in ones, each overridden by the file of the
/// same name in the backend's prompts folder when it has one.
package struct ExpertPrompts: Sendable {
    package var system: PromptTemplate
    /// Before turn t >= 2: sees the source, the previous edit and the previous instruction.
    package var refine: PromptTemplate
    /// Before turn 1 with `first_turn: rewrite`: sees the source only.
    package var rewrite: PromptTemplate

    static let refineNeeds: Set<String> = ["instruction", "previous_instruction"]

    init(system: PromptTemplate, refine: PromptTemplate, rewrite: PromptTemplate) {
        self.system = system
        self.refine = refine
        self.rewrite = rewrite
    }

    package static func load(folder: String?) throws -> ExpertPrompts {
        let fields: Set<String> = ["instruction", "previous_instruction", "task", "turn"]
        return ExpertPrompts(
            system: try .load(folder: folder, name: "expert_system.txt", required: [], allowed: fields),
            refine: try .load(folder: folder, name: "expert_refine.txt", required: refineNeeds, allowed: fields),
            rewrite: try .load(folder: folder, name: "expert_rewrite.txt", required: ["instruction"], allowed: ["instruction", "task", "turn"]))
    }
}

package struct JudgePrompts: Sendable {
    package var system: PromptTemplate
    /// Source + edit against the original instruction: two numbers (success, no over-editing).
    package var semantic: PromptTemplate
    /// The edit alone: two numbers (naturalness, no artifacts).
    package var quality: PromptTemplate

    init(system: PromptTemplate, semantic: PromptTemplate, quality: PromptTemplate) {
        self.system = system
        self.semantic = semantic
        self.quality = quality
    }

    package static func load(folder: String?) throws -> JudgePrompts {
        JudgePrompts(
            system: try .load(folder: folder, name: "judge_system.txt", required: [], allowed: []),
            semantic: try .load(folder: folder, name: "judge_semantic.txt", required: ["instruction"], allowed: ["task"]),
            quality: try .load(folder: folder, name: "judge_quality.txt", required: [], allowed: []))
    }
}
