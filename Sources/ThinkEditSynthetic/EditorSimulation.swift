import ThinkEditImaging

/// The ways a synthetic edit goes wrong (SPEC §5).
package enum EditFailure: String, Sendable, Hashable, CaseIterable, Comparable {
    /// The output is the source: nothing was edited.
    case noChange
    /// Another shape than the one the text names was edited.
    case wrongTarget
    /// Only part of the change was applied.
    case partial
    /// Another shape changed as well.
    case overEdit
    /// Noise, smudges or streaks were painted over the image.
    case artifacts

    package static func < (a: EditFailure, b: EditFailure) -> Bool { a.rawValue < b.rawValue }
}

/// Probabilities of each failure for one clarity of instruction. They are drawn independently;
/// `noChange` excludes the edit-shaped failures (wrong target, partial, over-edit).
package struct EditFailureRates: Sendable, Hashable {
    package var noChange: Double
    package var wrongTarget: Double
    package var partial: Double
    package var overEdit: Double
    package var artifacts: Double

    package init(noChange: Double, wrongTarget: Double, partial: Double, overEdit: Double, artifacts: Double) {
        self.noChange = noChange
        self.wrongTarget = wrongTarget
        self.partial = partial
        self.overEdit = overEdit
        self.artifacts = artifacts
    }

    /// Instructions that name the target uniquely and every new attribute.
    package static let clear = EditFailureRates(noChange: 0.04, wrongTarget: 0.03, partial: 0.10, overEdit: 0.08, artifacts: 0.12)
    /// Instructions that leave a choice open (the editor guesses it as well).
    package static let ambiguous = EditFailureRates(noChange: 0.08, wrongTarget: 0.06, partial: 0.14, overEdit: 0.14, artifacts: 0.16)
    /// Instructions that name no action or no target.
    package static let vague = EditFailureRates(noChange: 0.15, wrongTarget: 0.10, partial: 0.18, overEdit: 0.22, artifacts: 0.22)

    func scaled(by factor: Double) -> EditFailureRates {
        func s(_ p: Double) -> Double { min(1, max(0, p * factor)) }
        return EditFailureRates(noChange: s(noChange), wrongTarget: s(wrongTarget), partial: s(partial), overEdit: s(overEdit), artifacts: s(artifacts))
    }

    /// Each failure's probability times its own factor (a missing kind keeps its rate), capped at 1:
    /// an editor that rarely misses the target but often leaves an edit half done, for example.
    package func scaled(by factors: [EditFailure: Double]) -> EditFailureRates {
        func s(_ p: Double, _ kind: EditFailure) -> Double { min(1, max(0, p * (factors[kind] ?? 1))) }
        return EditFailureRates(noChange: s(noChange, .noChange), wrongTarget: s(wrongTarget, .wrongTarget), partial: s(partial, .partial),
                                overEdit: s(overEdit, .overEdit), artifacts: s(artifacts, .artifacts))
    }
}

/// What one simulated editor call did: the edit it read from the text, the failures it suffered,
/// and the resulting raster.
struct EditOutcome: Sendable {
    var edit: SceneEdit
    var clarity: Clarity
    var failures: Set<EditFailure>
    var image: RGBImage
}

/// The editor's behaviour as a pure function of (scene, instruction, random stream).
struct EditorSimulation: Sendable {
    var clear = EditFailureRates.clear
    var ambiguous = EditFailureRates.ambiguous
    var vague = EditFailureRates.vague
    /// Multiplies every failure probability (0 = a perfect editor that still guesses open choices).
    var failureScale = 1.0
    /// How bad a partial edit or artifacts are: 1 as drawn, 0.5 half the missing share and half
    /// the patch sides. Wrong targets and missing edits are whole failures at any severity.
    var severity = 1.0
    /// How much "keep the rest", "clean" and "whole" in the text cut the matching failure.
    var modifierEffect = 0.35
    /// Chance that a reference fitting several shapes ("the circle" with two circles) is applied to
    /// all of them, as real editors often do; counted as over-editing.
    var allMatches = 0.35

    func run(scene: Scene, size: Int, instruction: String, rng: inout SeededRandom) -> EditOutcome {
        let parsed = InstructionParser.parse(instruction)
        let (edit, clarity) = parsed.resolve(in: scene, fallback: nil, rng: &rng)
        var rates: EditFailureRates
        switch clarity {
        case .clear: rates = clear
        case .ambiguous: rates = ambiguous
        case .vague: rates = vague
        }
        rates = rates.scaled(by: failureScale)
        if parsed.keepOthers { rates.overEdit *= modifierEffect }
        if parsed.clean { rates.artifacts *= modifierEffect }
        if parsed.complete { rates.partial *= modifierEffect }

        var failures = Set<EditFailure>()
        var applied = edit
        var result = scene
        var overEdited: Scene?
        if rng.chance(rates.noChange) {
            failures.insert(.noChange)
        } else {
            if let target = edit.target, scene.shapes.count > 1, rng.chance(rates.wrongTarget) {
                applied.target = rng.pick(scene.shapes.indices.filter { $0 != target })
                failures.insert(.wrongTarget)
            }
            result = applied.applied(to: scene)
            if !failures.contains(.wrongTarget), let target = applied.target, !parsed.reference.isEmpty,
               [.recolor, .remove, .replace].contains(applied.action) {
                let twins = parsed.candidates(in: scene).filter { $0 != target }
                if !twins.isEmpty, rng.chance(allMatches) {
                    result = Self.apply(applied, toAll: [target] + twins, in: scene)
                    failures.insert(.overEdit)
                }
            }
            var spoiled = result
            if rng.chance(rates.overEdit), overEdit(&spoiled, after: applied, source: scene, rng: &rng) {
                failures.insert(.overEdit)
                overEdited = spoiled
            }
        }
        var image = result.render(size: size)
        // A partial edit cuts the asked-for change only; an over-edit is painted on top of it.
        if !failures.contains(.noChange), rng.chance(rates.partial) {
            let source = scene.render(size: size)
            if ArtifactPainter.keepPart(of: &image, over: source, severity: severity, rng: &rng) { failures.insert(.partial) }
        }
        if let overEdited {
            ArtifactPainter.overlay(changesFrom: result.render(size: size), to: overEdited.render(size: size), onto: &image)
        }
        if rng.chance(rates.artifacts) {
            ArtifactPainter.paint(on: &image, severity: severity, rng: &rng)
            failures.insert(.artifacts)
        }
        return EditOutcome(edit: applied, clarity: clarity, failures: failures, image: image)
    }

    /// The same recolour, replacement or removal done to several shapes.
    static func apply(_ edit: SceneEdit, toAll targets: [Int], in scene: Scene) -> Scene {
        if edit.action == .remove {
            let gone = Set(targets)
            return Scene(background: scene.background, shapes: scene.shapes.indices.filter { !gone.contains($0) }.map { scene.shapes[$0] })
        }
        var out = scene
        for target in targets {
            var one = edit
            one.target = target
            out = one.applied(to: out)
        }
        return out
    }

    /// Changes a shape the edit did not ask for: a new colour, or a new size. False when the scene
    /// has no such shape.
    private func overEdit(_ scene: inout Scene, after edit: SceneEdit, source: Scene, rng: inout SeededRandom) -> Bool {
        var others = Array(scene.shapes.indices)
        switch edit.action {
        case .recolor, .replace, .move:
            others.removeAll { $0 == edit.target }
        case .add:
            if scene.shapes.count > source.shapes.count { others.removeLast() }
        case .remove, .background:
            break
        }
        guard !others.isEmpty else { return false }
        let victim = rng.pick(others)
        if rng.chance(0.6) {
            scene.shapes[victim].color = SceneGenerator.other(than: scene.shapes[victim].color, rng: &rng)
        } else {
            scene.shapes[victim].size = SceneGenerator.other(than: scene.shapes[victim].size, rng: &rng)
        }
        return true
    }
}
