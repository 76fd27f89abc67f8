/// How much of an edit the text itself fixed, as seen by whoever resolves it.
enum Clarity: Int, Sendable, Hashable, Comparable {
    /// Action, target and every new attribute were named, and the target is the only match.
    case clear
    /// Something was open: several shapes matched, or an attribute had to be guessed.
    case ambiguous
    /// No action or no target was named at all.
    case vague

    static func < (a: Clarity, b: Clarity) -> Bool { a.rawValue < b.rawValue }
}

extension ParsedInstruction {
    /// The shapes the reference fits; an empty reference, or one that fits nothing, falls back to
    /// looser readings (drop cell, then size, then colour) and finally to every shape.
    func candidates(in scene: Scene) -> [Int] {
        var ref = reference
        let all = Array(scene.shapes.indices)
        if ref.isEmpty { return all }
        for loosen in 0..<4 {
            let found = all.filter { ref.matches(scene.shapes[$0]) }
            if !found.isEmpty { return found }
            switch loosen {
            case 0: ref.cell = nil
            case 1: ref.size = nil
            case 2: ref.color = nil
            default: break
            }
        }
        return all
    }

    /// A complete edit the text can mean in `scene`, guessing whatever the text leaves open with
    /// `rng`; `fallback` is the action used when the text names none (nil: any action).
    func resolve(in scene: Scene, fallback: EditAction?, rng: inout SeededRandom) -> (edit: SceneEdit, clarity: Clarity) {
        var clarity = Clarity.clear
        func guess<T>(_ value: T?, _ choices: @autoclosure () -> [T]) -> T? {
            if let value { return value }
            let options = choices()
            guard !options.isEmpty else { return nil }
            clarity = max(clarity, .ambiguous)
            return rng.pick(options)
        }
        var action: EditAction
        if let named = self.action {
            action = named
        } else {
            clarity = .vague
            action = fallback ?? rng.pick(EditAction.allCases)
        }
        if scene.shapes.isEmpty, action != .add, action != .background { action = .add }
        if scene.freeCells.isEmpty, action == .add || action == .move { action = .recolor }

        let needsTarget = [.recolor, .remove, .replace, .move].contains(action)
        var target: Int?
        if needsTarget {
            if reference.isEmpty { clarity = .vague }
            let found = candidates(in: scene)
            if found.count > 1 { clarity = max(clarity, .ambiguous) }
            target = rng.pick(found)
        }
        let shape = target.map { scene.shapes[$0] }
        var edit = SceneEdit(action: action, target: target)
        switch action {
        case .recolor:
            edit.color = guess(newColor.flatMap { $0 == shape?.color ? nil : $0 },
                               ShapeColor.allCases.filter { $0 != shape?.color })
        case .add:
            if newKind == nil, newColor == nil, newCell == nil { clarity = .vague }
            edit.kind = guess(newKind, ShapeKind.allCases)
            edit.color = guess(newColor, ShapeColor.allCases)
            edit.size = newSize ?? .medium
            let free = scene.freeCells
            edit.cell = guess(newCell.flatMap { free.contains($0) ? $0 : nil }, free)
        case .remove:
            break
        case .replace:
            edit.kind = guess(newKind.flatMap { $0 == shape?.kind ? nil : $0 },
                              ShapeKind.allCases.filter { $0 != shape?.kind })
            edit.color = newColor
        case .background:
            if backdrops.isEmpty { clarity = .vague }
            let open = (backdrops.isEmpty ? Backdrop.allCases : backdrops).filter { $0 != scene.background }
            if open.count == 1 {
                edit.background = open[0]
            } else {
                edit.background = guess(nil, open.isEmpty ? Backdrop.allCases : open)
            }
        case .move:
            let free = scene.freeCells
            edit.cell = guess(newCell.flatMap { free.contains($0) ? $0 : nil }, free)
        }
        return (edit, clarity)
    }
}
