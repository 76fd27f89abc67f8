/// Text a trainer would read as markup rather than words. LLaMA-Factory and ms-swift count
/// `<image>` (and `<video>`, `<audio>`) marks in every message to match them with the listed
/// media, and a chat template's control tokens (`<|im_end|>`, `<|vision_start|>`,
/// `<|begin_of_text|>`) end turns or open image slots. An instruction, a reasoning or an answer
/// that happens to contain one would shift the images or the turns of its sample.
///
/// Every exported user turn, target text and RL prompt field is therefore written with such marks
/// broken by a space (`<image >`, `< |im_end| >`): the words stay readable, no trainer parses them.
enum TrainerTokens {
    static let mediaMarks = ["<image>", "<video>", "<audio>"]

    /// The EditThinker RL loader fills its prompt with `str.replace`, the original instruction
    /// first: that placeholder written inside the original instruction would be filled too.
    static let loaderPlaceholder = "{rewritten_prompt}"

    /// Whether `text` holds a media mark, a control token or the loader's placeholder.
    static func occur(in text: String) -> Bool {
        mediaMarks.contains { text.contains($0) } || (text.contains("<|") || text.contains("|>")) || text.contains(loaderPlaceholder)
    }

    /// `text` with every media mark and control-token bracket broken by a space, and the loader's
    /// placeholder written `{ rewritten_prompt }`.
    static func defused(_ text: String) -> String {
        guard occur(in: text) else { return text }
        var out = text
        for mark in mediaMarks { out = out.replacingOccurrences(of: mark, with: String(mark.dropLast()) + " >") }
        out = out.replacingOccurrences(of: loaderPlaceholder, with: "{ rewritten_prompt }")
        return out.replacingOccurrences(of: "<|", with: "< |").replacingOccurrences(of: "|>", with: "| >")
    }
}
