/// What an edit does to a scene. The raw values are the words the meta JSON uses.
package enum EditAction: String, Codable, Sendable, Hashable, CaseIterable {
    case recolor, add, remove, replace, background, move

    /// The GEdit-Bench task type this action stands for (SPEC §6).
    package var task: String {
        switch self {
        case .recolor: "color_alter"
        case .add: "subject-add"
        case .remove: "subject-remove"
        case .replace: "subject-replace"
        case .background: "background_change"
        case .move: "motion_change"
        }
    }

    init?(task: String) {
        guard let action = EditAction.allCases.first(where: { $0.task == task }) else { return nil }
        self = action
    }
}

/// One fully determined edit of a scene: the ground truth a pool item carries, and what the editor
/// and the expert resolve an instruction into. Unused fields stay nil.
///
/// - recolor: `target` gets `color`.
/// - add: a new shape of `kind`, `color`, `size` in the free `cell`.
/// - remove: `target` disappears.
/// - replace: `target` becomes a `kind` (and `color`, when given; otherwise it keeps its colour).
/// - background: the backdrop becomes `background`.
/// - move: `target` moves to the free `cell`.
package struct SceneEdit: Codable, Sendable, Hashable {
    package var action: EditAction
    /// Index into the source scene's shapes.
    package var target: Int?
    package var kind: ShapeKind?
    package var color: ShapeColor?
    package var size: ShapeSize?
    package var cell: Cell?
    package var background: Backdrop?

    init(
        action: EditAction, target: Int? = nil, kind: ShapeKind? = nil, color: ShapeColor? = nil,
        size: ShapeSize? = nil, cell: Cell? = nil, background: Backdrop? = nil
    ) {
        self.action = action
        self.target = target
        self.kind = kind
        self.color = color
        self.size = size
        self.cell = cell
        self.background = background
    }

    /// The scene after the edit. An edit that does not fit the scene (a target out of range, an
    /// occupied cell) leaves the scene as it is: that is what an editor would show for it.
    package func applied(to scene: Scene) -> Scene {
        var out = scene
        let target = self.target.flatMap { scene.shapes.indices.contains($0) ? $0 : nil }
        switch action {
        case .recolor:
            if let target, let color { out.shapes[target].color = color }
        case .add:
            if let kind, let color, let cell, scene.freeCells.contains(cell) {
                out.shapes.append(SceneShape(kind: kind, color: color, size: size ?? .medium, cell: cell))
            }
        case .remove:
            if let target { out.shapes.remove(at: target) }
        case .replace:
            if let target, let kind {
                out.shapes[target].kind = kind
                if let color { out.shapes[target].color = color }
            }
        case .background:
            if let background { out.background = background }
        case .move:
            if let target, let cell, scene.freeCells.contains(cell) {
                let c = cell.centre
                out.shapes[target].cell = cell
                out.shapes[target].x = c.x
                out.shapes[target].y = c.y
            }
        }
        return out
    }
}
