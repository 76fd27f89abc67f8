/// Draws synthetic pool items: a scene, the edit the user means, and the user's instruction at a
/// drawn precision. Everything comes from one stream keyed by (seed, index).
enum SceneGenerator {
    /// One item before its image is encoded.
    struct Draft: Sendable, Hashable {
        var task: String
        var instruction: String
        var truth: SyntheticTruth
    }

    static func draft(seed: UInt64, index: Int, size: Int, precisionMix: PrecisionMix = .standard) -> Draft {
        var rng = SeededRandom("pool", String(seed), String(index))
        let action = EditAction.allCases[rng.below(EditAction.allCases.count)]
        let precision = InstructionPrecision.allCases[rng.weighted(precisionMix.weights)]
        var scene = randomScene(rng: &rng)
        var edit = randomEdit(action, in: scene, precision: precision, rng: &rng)
        if precision == .ambiguous, let target = edit.target {
            makeAmbiguous(target: target, in: &scene, rng: &rng)
            // The new kind / colour must still differ from the (possibly changed) target.
            edit = fixUp(edit, in: scene, rng: &rng)
        }
        let instruction = InstructionWriter.write(edit, in: scene, precision: precision, rng: &rng)
        let truth = SyntheticTruth(size: size, scene: scene, edit: edit, precision: precision)
        return Draft(task: action.task, instruction: instruction, truth: truth)
    }

    static func randomScene(rng: inout SeededRandom) -> Scene {
        var cells = Cell.allCases
        rng.shuffle(&cells)
        let count = rng.int(in: 2...5)
        let shapes = cells.prefix(count).map { cell in
            let size = rng.pick(ShapeSize.allCases)
            let slack = (166 - size.radius - 14) / 2
            let centre = cell.centre
            return SceneShape(
                kind: rng.pick(ShapeKind.allCases), color: rng.pick(ShapeColor.allCases), size: size, cell: cell,
                x: centre.x + rng.int(in: -slack...slack), y: centre.y + rng.int(in: -slack...slack)
            )
        }
        return Scene(background: rng.pick(Backdrop.allCases), shapes: Array(shapes))
    }

    private static func randomEdit(_ action: EditAction, in scene: Scene, precision: InstructionPrecision, rng: inout SeededRandom) -> SceneEdit {
        let target = rng.below(scene.shapes.count)
        let old = scene.shapes[target]
        switch action {
        case .recolor:
            return SceneEdit(action: .recolor, target: target, color: other(than: old.color, rng: &rng))
        case .add:
            return SceneEdit(
                action: .add, kind: rng.pick(ShapeKind.allCases), color: rng.pick(ShapeColor.allCases),
                size: rng.pick(ShapeSize.allCases), cell: rng.pick(scene.freeCells)
            )
        case .remove:
            return SceneEdit(action: .remove, target: target)
        case .replace:
            let color: ShapeColor? = rng.chance(0.5) ? other(than: old.color, rng: &rng) : nil
            return SceneEdit(action: .replace, target: target, kind: other(than: old.kind, rng: &rng), color: color)
        case .background:
            let choices = (precision == .ambiguous ? Backdrop.pastel : Backdrop.allCases).filter { $0 != scene.background }
            return SceneEdit(action: .background, background: rng.pick(choices))
        case .move:
            return SceneEdit(action: .move, target: target, cell: rng.pick(scene.freeCells))
        }
    }

    /// Gives another shape the target's kind (or colour), so "the circle" fits two shapes.
    private static func makeAmbiguous(target: Int, in scene: inout Scene, rng: inout SeededRandom) {
        let others = scene.shapes.indices.filter { $0 != target }
        guard let twin = others.isEmpty ? nil : rng.pick(others) else { return }
        if rng.chance(0.75) {
            scene.shapes[twin].kind = scene.shapes[target].kind
        } else {
            scene.shapes[twin].color = scene.shapes[target].color
            if scene.shapes[twin].kind == scene.shapes[target].kind {
                scene.shapes[twin].kind = other(than: scene.shapes[target].kind, rng: &rng)
            }
        }
    }

    private static func fixUp(_ edit: SceneEdit, in scene: Scene, rng: inout SeededRandom) -> SceneEdit {
        var edit = edit
        guard let target = edit.target else { return edit }
        let shape = scene.shapes[target]
        if edit.action == .recolor, edit.color == shape.color { edit.color = other(than: shape.color, rng: &rng) }
        if edit.action == .replace, edit.kind == shape.kind { edit.kind = other(than: shape.kind, rng: &rng) }
        if edit.action == .replace, edit.color == shape.color { edit.color = nil }
        return edit
    }

    static func other<T: CaseIterable & Equatable>(than value: T, rng: inout SeededRandom) -> T {
        let choices = T.allCases.filter { $0 != value }
        return rng.pick(Array(choices))
    }
}
