/// Which shapes a phrase such as "the blue square in the top-left" points at. Every field left nil
/// matches any shape; a reference with no field points at nothing in particular.
struct ShapeReference: Sendable, Hashable {
    var kind: ShapeKind?
    var color: ShapeColor?
    var size: ShapeSize?
    var cell: Cell?

    var isEmpty: Bool { kind == nil && color == nil && size == nil && cell == nil }

    func matches(_ shape: SceneShape) -> Bool {
        (kind == nil || kind == shape.kind) && (color == nil || color == shape.color)
            && (size == nil || size == shape.size) && (cell == nil || cell == shape.cell)
    }
}

/// What the text of an instruction says, before it is matched against a scene. The synthetic
/// editor acts on this (never on the item's ground truth), and the expert reads the user's `T`
/// with it.
struct ParsedInstruction: Sendable, Hashable {
    var action: EditAction?
    var reference = ShapeReference()
    /// Attributes of the result: the new colour / kind / size / cell of the shape.
    var newKind: ShapeKind?
    var newColor: ShapeColor?
    var newSize: ShapeSize?
    var newCell: Cell?
    /// Backdrops the text allows: one when named, several for "pastel", empty when open.
    var backdrops: [Backdrop] = []
    /// "keep the other shapes unchanged".
    var keepOthers = false
    /// "no noise", "clean flat colours".
    var clean = false
    /// "the whole shape", "completely".
    var complete = false
}

/// Reads instructions written in plain English about the synthetic world. It knows the world's
/// nouns and a handful of verbs; anything else is left open for the editor to guess.
enum InstructionParser {
    static func parse(_ text: String) -> ParsedInstruction {
        var parsed = ParsedInstruction()
        var main: [String]?
        for clause in clauses(of: text) {
            let words = tokens(of: clause)
            if words.isEmpty { continue }
            let modifiers = readModifiers(words, into: &parsed)
            if main == nil, !modifiers || action(in: words) != nil {
                main = words
            }
        }
        guard let words = main else { return parsed }
        readMain(words, into: &parsed)
        return parsed
    }

    // MARK: - Text to words

    private static func clauses(of text: String) -> [String] {
        text.lowercased().split(whereSeparator: { ",.;:!?\n".contains($0) }).map(String.init)
    }

    static func tokens(of text: String) -> [String] {
        text.lowercased()
            .split(whereSeparator: { !($0.isLetter || $0 == "'") })
            .map(String.init)
    }

    /// Sets the keep / clean / complete flags; true when the clause is only such a request.
    private static func readModifiers(_ words: [String], into parsed: inout ParsedInstruction) -> Bool {
        let set = Set(words)
        var modifierOnly = false
        if !set.isDisjoint(with: ["keep", "leave", "unchanged", "untouched", "preserve"]),
           !set.isDisjoint(with: ["other", "others", "else", "rest", "everything"]) {
            parsed.keepOthers = true
            modifierOnly = true
        }
        if !set.isDisjoint(with: ["noise", "noisy", "artifacts", "artifact", "smudges", "smudge", "clean", "streaks", "blotches"]) {
            parsed.clean = true
            modifierOnly = true
        }
        if !set.isDisjoint(with: ["whole", "entire", "completely", "fully", "entirely"]) {
            parsed.complete = true
        }
        return modifierOnly
    }

    // MARK: - The main clause

    private static let verbs: [(EditAction, Set<String>)] = [
        (.add, ["add", "put", "place", "insert", "draw"]),
        (.remove, ["remove", "delete", "erase", "eliminate"]),
        (.replace, ["replace", "swap", "exchange", "substitute"]),
        (.move, ["move", "shift", "slide", "drag", "relocate", "rearrange"]),
        (.recolor, ["recolor", "recolour", "paint", "color", "colour", "tint"]),
    ]

    private static func action(in words: [String]) -> EditAction? {
        if words.contains("background") || words.contains("backdrop") { return .background }
        for word in words {
            for (action, names) in verbs where names.contains(word) { return action }
        }
        if words.contains("take"), words.contains("out") { return .remove }
        if words.contains("rid") { return .remove }
        return nil
    }

    private static func readMain(_ words: [String], into parsed: inout ParsedInstruction) {
        var action = action(in: words)
        let verbIndex = words.firstIndex(where: { w in verbs.contains(where: { $0.1.contains(w) }) || ["change", "make", "turn"].contains(w) }) ?? -1
        let rest = Array(words[(verbIndex + 1)...])
        let split = rest.firstIndex(where: { ["to", "into", "with", "for"].contains($0) })
        var before = split.map { Array(rest[..<$0]) } ?? rest
        let after = split.map { Array(rest[($0 + 1)...]) } ?? []

        if action == .background {
            parsed.action = .background
            parsed.backdrops = backdrops(in: words)
            return
        }
        let afterReading = attributes(of: after)
        if action == nil, ["change", "make", "turn"].contains(words[max(0, verbIndex)]) {
            // "turn the square into a circle" replaces; "make the square red" recolours.
            if afterReading.kind != nil {
                action = .replace
            } else if afterReading.color != nil || attributes(of: before).color != nil || words.contains("colors") || words.contains("colours") {
                action = .recolor
            }
        }
        parsed.action = action
        guard let action else { return }

        switch action {
        case .add:
            let new = attributes(of: rest)
            parsed.newKind = new.kind
            parsed.newColor = new.color
            parsed.newSize = new.size
            parsed.newCell = new.cell
        case .recolor:
            if split == nil, let last = before.lastIndex(where: { colorWord($0) != nil }) {
                // "make the blue square red": the last colour word is the new colour.
                parsed.newColor = colorWord(before[last])
                before.remove(at: last)
            } else {
                parsed.newColor = afterReading.color
            }
            parsed.reference = attributes(of: before)
        case .replace:
            parsed.reference = attributes(of: before)
            parsed.newKind = afterReading.kind
            parsed.newColor = afterReading.color
        case .move:
            parsed.reference = attributes(of: before)
            parsed.newCell = afterReading.cell
        case .remove:
            parsed.reference = attributes(of: rest)
        case .background:
            break
        }
    }

    // MARK: - Nouns and adjectives

    static func colorWord(_ word: String) -> ShapeColor? {
        ShapeColor.allCases.first { $0.words.contains(word) }
    }

    private static func attributes(of words: [String]) -> ShapeReference {
        var ref = ShapeReference()
        for word in words {
            if ref.kind == nil, let kind = ShapeKind.allCases.first(where: { $0.words.contains(word) }) { ref.kind = kind }
            if ref.color == nil, let color = colorWord(word) { ref.color = color }
            if ref.size == nil, let size = ShapeSize.allCases.first(where: { $0.words.contains(word) }) { ref.size = size }
        }
        ref.cell = cell(in: words)
        return ref
    }

    /// "top left", "upper-right", "at the bottom", "in the middle".
    static func cell(in words: [String]) -> Cell? {
        let vertical: Int? = words.contains(where: { ["top", "upper"].contains($0) }) ? 0
            : words.contains(where: { ["bottom", "lower"].contains($0) }) ? 2 : nil
        let horizontal: Int? = words.contains("left") ? 0 : words.contains("right") ? 2 : nil
        if vertical == nil, horizontal == nil {
            return words.contains(where: { ["center", "centre", "middle"].contains($0) }) ? .center : nil
        }
        return Cell.at(row: vertical ?? 1, column: horizontal ?? 1)
    }

    private static func backdrops(in words: [String]) -> [Backdrop] {
        for backdrop in Backdrop.allCases {
            for phrase in backdrop.phrases where contains(words, phrase) { return [backdrop] }
        }
        if words.contains(where: { ["pastel", "softer", "soft", "lighter"].contains($0) }) { return Backdrop.pastel }
        return []
    }

    private static func contains(_ words: [String], _ phrase: [String]) -> Bool {
        guard phrase.count <= words.count else { return false }
        for start in 0...(words.count - phrase.count) where Array(words[start..<(start + phrase.count)]) == phrase {
            return true
        }
        return false
    }
}
