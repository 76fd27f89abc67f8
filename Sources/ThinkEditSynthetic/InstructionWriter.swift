/// Writes instructions about a scene edit, from precise ("change the blue square in the top-left to
/// red") to vague ("make it pop"). Pool items get a wording drawn at their precision; the expert
/// writes the precise form and adds the fixes it asks for.
enum InstructionWriter {
    /// "the blue square in the top-left": unique, because a cell holds one shape.
    static func preciseReference(_ shape: SceneShape) -> String {
        "the \(shape.color.rawValue) \(shape.kind.rawValue) \(shape.cell.phrase)"
    }

    /// A reference that fits the target and at least one other shape when the scene allows it
    /// ("the circle" with two circles), else the kind alone.
    static func ambiguousReference(_ target: Int, in scene: Scene) -> String {
        let shape = scene.shapes[target]
        let sameKind = scene.shapes.filter { $0.kind == shape.kind }.count
        let sameColor = scene.shapes.filter { $0.color == shape.color }.count
        if sameKind < 2, sameColor >= 2 { return "the \(shape.color.rawValue) shape" }
        return "the \(shape.kind.rawValue)"
    }

    /// The canonical precise wording, with no variation: what the expert writes.
    static func precise(_ edit: SceneEdit, in scene: Scene) -> String {
        let target = edit.target.flatMap { scene.shapes.indices.contains($0) ? scene.shapes[$0] : nil }
        switch edit.action {
        case .recolor:
            guard let target, let color = edit.color else { break }
            return "change \(preciseReference(target)) to \(color.rawValue)"
        case .add:
            guard let kind = edit.kind, let color = edit.color, let cell = edit.cell else { break }
            return "add a \((edit.size ?? .medium).rawValue) \(color.rawValue) \(kind.rawValue) \(cell.phrase)"
        case .remove:
            guard let target else { break }
            return "remove \(preciseReference(target))"
        case .replace:
            guard let target, let kind = edit.kind else { break }
            return "replace \(preciseReference(target)) with \(article((edit.color ?? target.color).rawValue)) \(kind.rawValue)"
        case .background:
            guard let background = edit.background else { break }
            return "change the background to \(background.rawValue)"
        case .move:
            guard let target, let cell = edit.cell else { break }
            return "move \(preciseReference(target)) to the \(cell.rawValue)"
        }
        return "leave the picture as it is"
    }

    /// A user's wording of `edit` at the given precision.
    static func write(_ edit: SceneEdit, in scene: Scene, precision: InstructionPrecision, rng: inout SeededRandom) -> String {
        let target = edit.target.map { scene.shapes[$0] }
        switch precision {
        case .precise:
            guard rng.chance(0.5) else { return precise(edit, in: scene) }
            return variedPrecise(edit, target: target, rng: &rng) ?? precise(edit, in: scene)
        case .ambiguous:
            return ambiguous(edit, in: scene, rng: &rng)
        case .vague:
            return vague(edit, rng: &rng)
        }
    }

    private static func variedPrecise(_ edit: SceneEdit, target: SceneShape?, rng: inout SeededRandom) -> String? {
        switch edit.action {
        case .recolor:
            guard let target, let color = edit.color else { return nil }
            let ref = preciseReference(target)
            return rng.pick(["make \(ref) \(color.rawValue)", "paint \(ref) \(color.rawValue)", "recolor \(ref) to \(color.rawValue)"])
        case .add:
            guard let kind = edit.kind, let color = edit.color, let cell = edit.cell else { return nil }
            return "\(rng.pick(["put", "draw", "place"])) a \((edit.size ?? .medium).rawValue) \(color.rawValue) \(kind.rawValue) \(cell.phrase)"
        case .remove:
            guard let target else { return nil }
            return "\(rng.pick(["delete", "erase", "get rid of"])) \(preciseReference(target))"
        case .replace:
            guard let target, let kind = edit.kind else { return nil }
            return "turn \(preciseReference(target)) into \(article((edit.color ?? target.color).rawValue)) \(kind.rawValue)"
        case .background:
            guard let background = edit.background else { return nil }
            return rng.pick(["make the background \(background.rawValue)", "give the picture a \(background.rawValue) background"])
        case .move:
            guard let target, let cell = edit.cell else { return nil }
            return "shift \(preciseReference(target)) to the \(cell.rawValue)"
        }
    }

    private static func ambiguous(_ edit: SceneEdit, in scene: Scene, rng: inout SeededRandom) -> String {
        let ref = edit.target.map { ambiguousReference($0, in: scene) } ?? "the shape"
        switch edit.action {
        case .recolor:
            return "make \(ref) \(edit.color?.rawValue ?? "brighter")"
        case .add:
            let kind = edit.kind?.rawValue ?? "shape"
            if rng.chance(0.5), let color = edit.color {
                return "add \(article(color.rawValue)) \(kind)"
            }
            return "add a \(kind) \(edit.cell?.phrase ?? "")".trimmingTrailingSpace()
        case .remove:
            return rng.pick(["remove \(ref)", "delete \(ref)"])
        case .replace:
            let color = edit.color.map { "\($0.rawValue) " } ?? ""
            return "replace \(ref) with \(article(color + (edit.kind?.rawValue ?? "different shape")))"
        case .background:
            return rng.pick(["make the background pastel", "give it a softer background"])
        case .move:
            if rng.chance(0.5), let cell = edit.cell {
                return "move \(ref) to the \(cell.rawValue)"
            }
            let target = edit.target.map { preciseReference(scene.shapes[$0]) } ?? ref
            return "move \(target) somewhere else"
        }
    }

    private static func vague(_ edit: SceneEdit, rng: inout SeededRandom) -> String {
        switch edit.action {
        case .recolor:
            var options = ["make it pop", "change the colors a bit"]
            if let color = edit.color { options.append("make one of the shapes \(color.rawValue)") }
            return rng.pick(options)
        case .add:
            return rng.pick(["add something", "add another shape", "make it less empty"])
        case .remove:
            return rng.pick(["remove the clutter", "take something out", "simplify the picture"])
        case .replace:
            return rng.pick(["swap one of the shapes for something else", "replace a shape"])
        case .background:
            return rng.pick(["change the background", "give it a new backdrop"])
        case .move:
            return rng.pick(["move it a bit", "rearrange things", "move one of the shapes"])
        }
    }
}

/// "a red circle", "an orange circle": the phrase with its indefinite article.
func article(_ phrase: String) -> String {
    guard let first = phrase.first else { return "a" }
    return ("aeiou".contains(first) ? "an " : "a ") + phrase
}

extension String {
    fileprivate func trimmingTrailingSpace() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
