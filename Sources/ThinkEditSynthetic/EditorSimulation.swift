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

    init(noChange: Double, wrongTarget: Double, partial: Double, overEdit: Double, artifacts: Double) {
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

/// The uniform numbers an editor's failure draws are compared with. At each call, each failure
/// kind uses the item's own number with probability `persistence` and a fresh one otherwise: a
/// request that is hard for this editor tends to fail the same way again (same number, same
/// details — which shape, how much, where), until a clearer or stricter instruction lowers the
/// failure's rate below the item's number or a fresh draw comes to the rescue. This is what keeps
/// a real editor's gain from an expert small, and spreads it over several turns.
struct FailureLuck: Sendable {
    private var persistence = 0.0
    private var items: [EditFailure: (number: Double, details: UInt64)] = [:]
    /// The kinds whose item number this call used (for `details`).
    private var stickyNow: Set<EditFailure> = []

    /// Every draw fresh.
    static let fresh = FailureLuck()

    private init() {}

    /// The per-item numbers; `rng` is a stream keyed by (editor, item), never by turn.
    init(persistence: Double, rng: inout SeededRandom) {
        self.persistence = persistence
        for kind in EditFailure.allCases {
            items[kind] = (rng.unit(), rng.next())
        }
    }

    /// Whether a failure of `kind` with probability `p` happens. Draws two numbers from `rng`
    /// either way, so the call's stream does not depend on which kinds were sticky.
    mutating func fails(_ kind: EditFailure, _ p: Double, rng: inout SeededRandom) -> Bool {
        let drawn = rng.unit()
        let sticky = rng.unit() < persistence
        guard sticky, let item = items[kind] else { return drawn < p }
        stickyNow.insert(kind)
        return item.number < p
    }

    /// Runs `body` with the stream the failure's details come from: the item's own when this
    /// call's draw for the kind was sticky, so the editor repeats the same mistake; the call's
    /// stream otherwise.
    func details<T>(_ kind: EditFailure, rng: inout SeededRandom, _ body: (inout SeededRandom) -> T) -> T {
        guard stickyNow.contains(kind), let item = items[kind] else { return body(&rng) }
        var stream = SeededRandom(state: item.details)
        return body(&stream)
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

    /// `luck` holds the draws this editor makes once per item (`persistence`): a request it failed
    /// for such a reason fails again, whatever the seed, until the instruction lowers the rate.
    func run(scene: Scene, size: Int, instruction: String, rng: inout SeededRandom, luck: FailureLuck = .fresh) -> EditOutcome {
        var luck = luck
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
        if luck.fails(.noChange, rates.noChange, rng: &rng) {
            failures.insert(.noChange)
        } else {
            if let target = edit.target, scene.shapes.count > 1, luck.fails(.wrongTarget, rates.wrongTarget, rng: &rng) {
                applied.target = luck.details(.wrongTarget, rng: &rng) { $0.pick(scene.shapes.indices.filter { $0 != target }) }
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
            if luck.fails(.overEdit, rates.overEdit, rng: &rng),
               luck.details(.overEdit, rng: &rng, { overEdit(&spoiled, after: applied, source: scene, rng: &$0) }) {
                failures.insert(.overEdit)
                overEdited = spoiled
            }
        }
        var image = result.render(size: size)
        // A partial edit cuts the asked-for change only; an over-edit is painted on top of it.
        if !failures.contains(.noChange), luck.fails(.partial, rates.partial, rng: &rng) {
            let source = scene.render(size: size)
            if luck.details(.partial, rng: &rng, { ArtifactPainter.keepPart(of: &image, over: source, severity: severity, rng: &$0) }) {
                failures.insert(.partial)
            }
        }
        if let overEdited {
            ArtifactPainter.overlay(changesFrom: result.render(size: size), to: overEdited.render(size: size), onto: &image)
        }
        if luck.fails(.artifacts, rates.artifacts, rng: &rng) {
            luck.details(.artifacts, rng: &rng) { ArtifactPainter.paint(on: &image, severity: severity, rng: &$0) }
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
