import Testing
@testable import ThinkEditSynthetic

@Suite("Instruction parsing")
struct InstructionParserTests {
    @Test func preciseRecolorNamesTargetAndNewColour() {
        let p = InstructionParser.parse("change the blue square in the top-left to yellow")
        #expect(p.action == .recolor)
        #expect(p.reference == ShapeReference(kind: .square, color: .blue, cell: .topLeft))
        #expect(p.newColor == .yellow)
    }

    @Test func makeXColourTakesTheLastColourAsTheNewOne() {
        let p = InstructionParser.parse("Make the red circle on the right green.")
        #expect(p.action == .recolor)
        #expect(p.reference.color == .red && p.reference.kind == .circle && p.reference.cell == .right)
        #expect(p.newColor == .green)
    }

    @Test func turnIntoAKindIsAReplacement() {
        let p = InstructionParser.parse("turn the green triangle into a purple diamond")
        #expect(p.action == .replace)
        #expect(p.reference.kind == .triangle)
        #expect(p.newKind == .diamond && p.newColor == .purple)
    }

    @Test func addReadsEveryAttributeOfTheNewShape() {
        let p = InstructionParser.parse("add a small pink cross at the bottom")
        #expect(p.action == .add)
        #expect(p.newKind == .cross && p.newColor == .pink && p.newSize == .small && p.newCell == .bottom)
    }

    @Test func moveSeparatesWhereFromWhereTo() {
        let p = InstructionParser.parse("move the black diamond on the left to the bottom-right")
        #expect(p.action == .move)
        #expect(p.reference.cell == .left && p.reference.kind == .diamond)
        #expect(p.newCell == .bottomRight)
    }

    @Test func twoWordBackdropsAreNotShapeColours() {
        let p = InstructionParser.parse("change the background to light blue")
        #expect(p.action == .background)
        #expect(p.backdrops == [.lightBlue])
        #expect(InstructionParser.parse("make the background pastel").backdrops == Backdrop.pastel)
    }

    @Test func fixClausesSetTheirFlags() {
        let p = InstructionParser.parse("remove the red circle in the center; remove the shape completely; keep the other shapes unchanged; use clean flat colors with no noise or smudges")
        #expect(p.action == .remove && p.reference.cell == .center)
        #expect(p.keepOthers && p.clean && p.complete)
        #expect(!InstructionParser.parse("remove the red circle").keepOthers)
    }

    @Test func vagueTextNamesNoActionOrNoTarget() {
        #expect(InstructionParser.parse("make it pop").action == nil)
        let clutter = InstructionParser.parse("remove the clutter")
        #expect(clutter.action == .remove && clutter.reference.isEmpty)
    }

    @Test func ambiguousReferenceMatchesSeveralShapes() {
        var rng = SeededRandom("t")
        let p = InstructionParser.parse("make the circle blue")
        #expect(p.candidates(in: Fixture.scene) == [1, 3])
        #expect(p.resolve(in: Fixture.scene, fallback: nil, rng: &rng).clarity == .ambiguous)
    }

    @Test func preciseInstructionsOfThePoolResolveToTheirGroundTruth() {
        var checked = 0
        for index in 1...300 {
            let draft = SceneGenerator.draft(seed: 3, index: index, size: 64)
            guard draft.truth.precision == .precise else { continue }
            var rng = SeededRandom("resolve", String(index))
            let (edit, clarity) = InstructionParser.parse(draft.instruction).resolve(in: draft.truth.scene, fallback: nil, rng: &rng)
            #expect(clarity == .clear, "\(draft.instruction)")
            #expect(edit.applied(to: draft.truth.scene) == draft.truth.targetScene, "\(draft.instruction)")
            checked += 1
        }
        #expect(checked > 100)
    }

    @Test func theExpertsWordingIsReadBackExactly() {
        for index in 1...200 {
            let truth = SceneGenerator.draft(seed: 9, index: index, size: 64).truth
            var rng = SeededRandom("x")
            let text = InstructionWriter.precise(truth.edit, in: truth.scene)
            let (edit, clarity) = InstructionParser.parse(text).resolve(in: truth.scene, fallback: nil, rng: &rng)
            #expect(clarity == .clear, "\(text)")
            #expect(edit.applied(to: truth.scene) == truth.targetScene, "\(text)")
        }
    }

    @Test func poolInstructionsSpanThreePrecisionsAndSixTasks() {
        let drafts = (1...300).map { SceneGenerator.draft(seed: 1, index: $0, size: 64) }
        #expect(Set(drafts.map(\.truth.precision)) == Set(InstructionPrecision.allCases))
        #expect(Set(drafts.map(\.task)) == ["subject-add", "subject-remove", "subject-replace", "color_alter", "background_change", "motion_change"])
        // An ambiguous instruction really fits more than one shape, or leaves an attribute open.
        for draft in drafts where draft.truth.precision == .ambiguous {
            var rng = SeededRandom("a")
            let clarity = InstructionParser.parse(draft.instruction).resolve(in: draft.truth.scene, fallback: nil, rng: &rng).clarity
            #expect(clarity != .clear, "\(draft.instruction)")
        }
    }
}

@Suite("Instruction wording")
struct InstructionWordingTests {
    @Test func vowelColoursTakeAn() {
        #expect(article("orange circle") == "an orange circle")
        #expect(article("red circle") == "a red circle")
        let edit = SceneEdit(action: .replace, target: 0, kind: .circle, color: .orange)
        #expect(InstructionWriter.precise(edit, in: Fixture.scene) == "replace the blue square in the top-left with an orange circle")
    }
}
