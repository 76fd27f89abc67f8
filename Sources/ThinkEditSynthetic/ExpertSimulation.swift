import ThinkEditImaging

/// What the expert saw in an edited image, in words it can write down.
struct EditAssessment: Sendable, Hashable {
    var comparison: PixelComparison
    /// Source shapes that changed although the edit did not ask for it (index into the scene).
    var disturbed: [Int]

    var completion: Double { comparison.completion }
    var isComplete: Bool { comparison.completion >= 0.9 }
    var isOverEdited: Bool { !disturbed.isEmpty || comparison.overEditRatio > 0.08 }
    var hasArtifacts: Bool { comparison.dirtyFraction > 0.002 }
    var isGood: Bool { isComplete && !isOverEdited && !hasArtifacts }
    /// Most of the request is there and the damage is small: an expert in a hurry accepts it.
    var isAcceptable: Bool { comparison.completion >= 0.6 && comparison.overEditRatio < 0.5 && comparison.dirtyFraction < 0.02 }
}

/// The expert's behaviour as a pure function: read the user's `T` against the source scene, look
/// at the previous edit's pixels, and either accept it or write a more specific instruction.
struct ExpertSimulation: Sendable {
    /// Chance the expert reads the user's intent right, by the precision of `T`; otherwise it
    /// settles on another reading the words allow (and keeps it for the whole trajectory).
    var understanding: [InstructionPrecision: Double] = [.precise: 1.0, .ambiguous: 0.75, .vague: 0.5]
    /// Chance of accepting an edit that is mostly but not fully right.
    var earlyStop = 0.25
    /// Chance of asking for another round although the edit is right.
    var needlessContinue = 0.1
    /// Chance of accepting an edit that is clearly wrong.
    var blunder = 0.02

    /// The edit the expert believes the user wants; stable for an item whatever the turn.
    func intent(of truth: SyntheticTruth, instruction: String, task: String, rng: inout SeededRandom) -> SceneEdit {
        if rng.chance(understanding[truth.precision] ?? 1) { return truth.edit }
        let parsed = InstructionParser.parse(instruction)
        return parsed.resolve(in: truth.scene, fallback: EditAction(task: task), rng: &rng).edit
    }

    func assess(edited: RGBImage, truth: SyntheticTruth, intent: SceneEdit) -> EditAssessment {
        let (source, labels) = truth.scene.renderWithLabels(size: truth.size)
        let target = intent.applied(to: truth.scene).render(size: truth.size)
        let comparison = PixelComparison.compare(edited: edited, source: source, target: target, labels: labels, shapeCount: truth.scene.shapes.count)
        var disturbed: [Int] = []
        for index in truth.scene.shapes.indices {
            let pixels = comparison.pixelsByLabel[index + 1]
            // Pixels of the edited shape itself lie inside M and are never counted here.
            if pixels > 0, Double(comparison.changedByLabel[index + 1]) / Double(pixels) > 0.15 {
                disturbed.append(index)
            }
        }
        return EditAssessment(comparison: comparison, disturbed: disturbed)
    }

    /// The answer before a turn t >= 2.
    func answer(truth: SyntheticTruth, userInstruction: String, previousInstruction: String, intent: SceneEdit,
                assessment: EditAssessment, rng: inout SeededRandom) -> (satisfied: Bool, reasoning: String, instruction: String) {
        let wanted = InstructionWriter.precise(intent, in: truth.scene)
        var notes = ["The user asked: \"\(userInstruction)\". I take this to mean: \(wanted)."]
        notes.append(contentsOf: observations(assessment, intent: intent, scene: truth.scene))

        let satisfied: Bool
        if assessment.isGood {
            satisfied = !rng.chance(needlessContinue)
        } else if assessment.isAcceptable {
            satisfied = rng.chance(earlyStop)
        } else {
            satisfied = rng.chance(blunder)
        }
        if satisfied {
            notes.append(assessment.isGood
                ? "The edit does what was asked and nothing else; no further change is needed."
                : "The result is close enough to the request; I accept it as it is.")
            return (true, notes.joined(separator: " "), previousInstruction)
        }
        var fixes: [String] = []
        if !assessment.isComplete, assessment.completion > 0.05 { fixes.append(wholeClause(intent.action)) }
        if assessment.isOverEdited || assessment.isGood { fixes.append("keep the other shapes unchanged") }
        if assessment.hasArtifacts { fixes.append("use clean flat colors with no noise or smudges") }
        notes.append(assessment.isGood
            ? "The edit looks right, but I will state the request once more and say explicitly that nothing else may change."
            : "I will restate the request precisely\(fixes.isEmpty ? "" : " and ask the editor to \(fixes.joined(separator: ", and to "))").")
        return (false, notes.joined(separator: " "), ([wanted] + fixes).joined(separator: "; "))
    }

    /// The answer for `first_turn: rewrite`: no image yet, only `T` made precise.
    func rewrite(truth: SyntheticTruth, userInstruction: String, intent: SceneEdit) -> (reasoning: String, instruction: String) {
        let wanted = InstructionWriter.precise(intent, in: truth.scene)
        let reasoning = "The user asked: \"\(userInstruction)\". Looking at the picture, the request most likely means: \(wanted). "
            + "Naming the shape by colour, kind and place leaves the editor nothing to guess."
        return (reasoning, wanted + "; keep the other shapes unchanged")
    }

    private func wholeClause(_ action: EditAction) -> String {
        switch action {
        case .recolor: "recolor the whole shape, not just part of it"
        case .add: "draw the whole new shape"
        case .remove: "remove the shape completely"
        case .replace: "replace the whole shape"
        case .background: "change the entire background"
        case .move: "move the whole shape"
        }
    }

    private func observations(_ a: EditAssessment, intent: SceneEdit, scene: Scene) -> [String] {
        var notes: [String] = []
        let percent = Int((a.completion * 100).rounded())
        let subject = subjectPhrase(intent, scene: scene)
        if a.completion < 0.05 {
            let touched = Double(a.comparison.intendedTouched) / Double(max(a.comparison.intended, 1))
            notes.append(touched > 0.3
                ? "The edited image changed where \(subject) should happen, but not in the way asked."
                : "The edited image shows no sign of \(subject).")
        } else if !a.isComplete {
            notes.append("Only about \(percent)% of the requested change is visible: \(subject) is only partly done.")
        } else {
            notes.append("In the edited image, \(subject) is done as asked.")
        }
        if !a.disturbed.isEmpty {
            let names = a.disturbed.map { InstructionWriter.preciseReference(scene.shapes[$0]).dropFirst(4) }
            let hint = a.completion < 0.05 ? " The editor seems to have edited the wrong shape." : ""
            notes.append("Other shapes changed although nobody asked for it: the \(names.joined(separator: ", the ")).\(hint)")
        } else if a.comparison.overEditRatio > 0.08 {
            notes.append("Parts of the picture outside the requested change were altered.")
        }
        if a.hasArtifacts {
            let share = max(0.1, (a.comparison.dirtyFraction * 1000).rounded() / 10)
            let place = a.comparison.dirtyCell.map { " near the \($0.rawValue)" } ?? ""
            notes.append("There are noisy or smudged patches\(place), covering about \(share)% of the image.")
        }
        return notes
    }

    /// The requested change as a gerund phrase: "recoloring the blue square in the top-left".
    private func subjectPhrase(_ edit: SceneEdit, scene: Scene) -> String {
        let target = edit.target.flatMap { scene.shapes.indices.contains($0) ? InstructionWriter.preciseReference(scene.shapes[$0]) : nil } ?? "the shape"
        switch edit.action {
        case .recolor: return "recoloring \(target) \(edit.color?.rawValue ?? "")".replacingDoubleSpaces()
        case .add: return "adding \(article("\(edit.color?.rawValue ?? "") \(edit.kind?.rawValue ?? "shape") \(edit.cell?.phrase ?? "")".replacingDoubleSpaces()))"
        case .remove: return "removing \(target)"
        case .replace: return "replacing \(target) with a \(edit.kind?.rawValue ?? "new shape")"
        case .background: return "changing the background to \(edit.background?.rawValue ?? "a new colour")"
        case .move: return "moving \(target) to the \(edit.cell?.rawValue ?? "new place")"
        }
    }
}

extension String {
    fileprivate func replacingDoubleSpaces() -> String {
        split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
