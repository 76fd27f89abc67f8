import Foundation
import ThinkEditBackends
import ThinkEditCore

/// The wording of the user turn of every exported sample: a text with exactly two `<image>` marks
/// (the source image first, then the image being critiqued) and the placeholders
/// `{original_instruction}` (the user's `T`) and `{previous_instruction}` (the instruction that
/// produced the critiqued image).
///
/// The file is `prompts/thinker_user.txt` beside the run's config when that exists, else the
/// built-in prompt of that name. Its SHA-256 goes into the export fingerprint and the dataset card.
package struct UserPromptTemplate: Sendable, Hashable {
    static let fileName = "thinker_user.txt"
    static let imageMark = "<image>"

    /// The template text without leading or trailing white space (the EditThinker RL loader strips
    /// its prompt file, so both stages see the same words).
    package let text: String
    /// Where it came from: a path, or `built-in`.
    package let origin: String

    package var sha256: String { ContentHash.sha256Hex(text) }

    /// Checks that the text has exactly two `<image>` marks and both placeholders.
    init(text: String, origin: String) throws {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let marks = t.components(separatedBy: Self.imageMark).count - 1
        guard marks == 2 else {
            throw ExportError.badTemplate(path: origin, reason: "it has \(marks) `<image>` marks; write exactly two, the source image first, then the edited image")
        }
        for name in ["original_instruction", "previous_instruction"] where !t.contains("{\(name)}") {
            throw ExportError.badTemplate(path: origin, reason: "it lacks the placeholder {\(name)}")
        }
        if t.contains(TrainerTokens.loaderPlaceholder) {
            throw ExportError.badTemplate(path: origin, reason: "it contains {rewritten_prompt}, which the EditThinker RL loader would fill with the previous instruction; write {previous_instruction} for that")
        }
        self.text = t
        self.origin = origin
    }

    /// The template as the EditThinker RL loader (EasyR1 `format_prompt`) takes it: the same text
    /// with the loader's placeholder names, `{original_instruction}` and `{rewritten_prompt}`. The
    /// loader fills them with `origin_prompt` and `rewritten_prompt` of each row, which the export
    /// writes defused like the user turn, so both stages see the same words.
    var easyR1FormatPrompt: String {
        text.replacingOccurrences(of: "{previous_instruction}", with: TrainerTokens.loaderPlaceholder)
    }

    /// The template for the run whose config file is `configFile`: `prompts/thinker_user.txt`
    /// beside it when that exists, the built-in text otherwise.
    package static func forConfig(file configFile: String) throws -> UserPromptTemplate {
        let path = ((configFile as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("prompts/\(fileName)")
        guard FileManager.default.fileExists(atPath: path) else { return try UserPromptTemplate(text: builtIn, origin: "built-in") }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ExportError.badTemplate(path: path, reason: "it cannot be read as UTF-8 text")
        }
        return try UserPromptTemplate(text: text, origin: path)
    }

    /// The user text for one sample. Placeholders are replaced in one pass, so an instruction that
    /// itself contains `{previous_instruction}` is not expanded again; an `<image>` inside an
    /// instruction is written `<image >` so that every record has exactly one mark per image.
    package func fill(original: String, previous: String) -> String {
        let values = ["original_instruction": TrainerTokens.defused(original), "previous_instruction": TrainerTokens.defused(previous)]
        var out = ""
        out.reserveCapacity(text.utf8.count + original.utf8.count + previous.utf8.count)
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                out += value
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        out += rest
        return out
    }


    /// The built-in template (`Prompts/Defaults/thinker_user.txt` of ThinkEditBackends).
    static var builtIn: String { BuiltInPrompts.text(named: fileName)! }
}
