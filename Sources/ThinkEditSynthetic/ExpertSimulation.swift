import ThinkEditImaging

/// What the expert saw in an edited image, in words it can write down.
struct EditAssessment: Sendable, Hashable {
    var comparison: PixelComparison
    /// Source shapes that changed although the edit did not ask for it (index into the scene).
    var disturbed: [Int]
    /// What became of each disturbed shape, read from its pixels.
    var shapeChanges: [Int: ShapeChange] = [:]

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
    var needlessContinue = 0.3
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
        var changes: [Int: ShapeChange] = [:]
        for index in disturbed {
            changes[index] = ShapeChange.read(edited: edited, labels: labels, label: index + 1, shape: truth.scene.shapes[index],
                                              background: truth.scene.background)
        }
        return EditAssessment(comparison: comparison, disturbed: disturbed, shapeChanges: changes)
    }

    /// The answer before a turn t >= 2. The decision is drawn first from `rng`, then the wording.
    func answer(truth: SyntheticTruth, userInstruction: String, previousInstruction: String, intent: SceneEdit,
                assessment: EditAssessment, rng: inout SeededRandom) -> (satisfied: Bool, reasoning: String, instruction: String) {
        let wanted = InstructionWriter.precise(intent, in: truth.scene)
        let critique = ExpertCritique(userInstruction: userInstruction, wanted: wanted, intent: intent, scene: truth.scene, assessment: assessment)

        let satisfied: Bool
        if assessment.isGood {
            satisfied = !rng.chance(needlessContinue)
        } else if assessment.isAcceptable {
            satisfied = rng.chance(earlyStop)
        } else {
            satisfied = rng.chance(blunder)
        }
        if satisfied {
            let reasoning = critique.text(verdict: assessment.isGood ? .accept : .acceptFlawed, rng: &rng)
            return (true, reasoning, previousInstruction)
        }
        var fixes: [String] = []
        if !assessment.isComplete, assessment.completion > 0.05 { fixes.append(wholeClause(intent.action)) }
        if assessment.isOverEdited || assessment.isGood { fixes.append("keep the other shapes unchanged") }
        if assessment.hasArtifacts { fixes.append("use clean flat colors with no noise or smudges") }
        let reasoning = critique.text(verdict: assessment.isGood ? .retryAnyway : .retry(fixes: fixes), rng: &rng)
        return (false, reasoning, ([wanted] + fixes).joined(separator: "; "))
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
}
