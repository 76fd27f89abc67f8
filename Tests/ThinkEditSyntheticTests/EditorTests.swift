import Testing
@testable import ThinkEditBackends
@testable import ThinkEditImaging
@testable import ThinkEditSynthetic

@Suite("Synthetic editor")
struct EditorTests {
    let instruction = "change the blue square in the top-left to yellow"
    let truth = Fixture.truth()

    func run(_ failure: EditFailure?, instruction: String? = nil, key: String = "k") -> EditOutcome {
        var rng = SeededRandom("editor-test", key)
        return Fixture.editor(always: failure).run(scene: truth.scene, size: truth.size, instruction: instruction ?? self.instruction, rng: &rng)
    }

    func comparison(_ outcome: EditOutcome) -> PixelComparison {
        JudgeSimulation.compare(edited: outcome.image, truth: truth)
    }

    @Test func withoutFailuresAPreciseInstructionGivesExactlyTheTarget() {
        let outcome = run(nil)
        #expect(outcome.failures.isEmpty)
        #expect(outcome.clarity == .clear)
        #expect(outcome.image == truth.targetScene.render(size: truth.size))
    }

    @Test func noChangeReturnsTheSource() {
        let outcome = run(.noChange)
        #expect(outcome.failures == [.noChange])
        #expect(outcome.image == truth.scene.render(size: truth.size))
    }

    @Test func wrongTargetLeavesTheNamedShapeAndEditsAnother() {
        let outcome = run(.wrongTarget)
        #expect(outcome.failures == [.wrongTarget])
        #expect(outcome.edit.target != 0)
        let c = comparison(outcome)
        #expect(c.completion == 0)
        #expect(c.offTargetClean > 0)
    }

    @Test func partialEditAppliesOnlyPartOfTheChange() {
        let outcome = run(.partial)
        #expect(outcome.failures == [.partial])
        let c = comparison(outcome)
        #expect(c.completion > 0.15 && c.completion < 0.85, "completion \(c.completion)")
        #expect(c.offTargetAll == 0)
    }

    @Test func overEditingChangesAnotherShapeToo() {
        let outcome = run(.overEdit)
        #expect(outcome.failures == [.overEdit])
        let c = comparison(outcome)
        #expect(c.completion == 1)
        #expect(c.offTargetClean > 0)
    }

    @Test func aPartialEditCutsOnlyTheAskedForChangeNotTheOverEdit() {
        var rates = Fixture.none
        rates.partial = 1
        rates.overEdit = 1
        let editor = EditorSimulation(clear: rates, ambiguous: rates, vague: rates, modifierEffect: 1)
        for k in 0..<20 {
            var rng = SeededRandom("both", String(k))
            let outcome = editor.run(scene: truth.scene, size: truth.size, instruction: instruction, rng: &rng)
            let c = comparison(outcome)
            #expect(outcome.failures == [.partial, .overEdit])
            #expect(c.completion > 0.15 && c.completion < 0.85, "completion \(c.completion)")
            #expect(c.offTargetClean > 0)
        }
    }

    @Test func anAmbiguousReferenceIsSometimesAppliedToEveryMatch() {
        var editor = Fixture.editor(always: nil)
        editor.allMatches = 1
        let truth = Fixture.truth(SceneEdit(action: .recolor, target: 1, color: .blue), precision: .ambiguous)
        var rng = SeededRandom("all")
        let outcome = editor.run(scene: truth.scene, size: truth.size, instruction: "make the circle blue", rng: &rng)
        #expect(outcome.failures == [.overEdit])
        let both = SceneEdit(action: .recolor, target: 3, color: .blue).applied(to: truth.targetScene)
        #expect(outcome.image == both.render(size: truth.size))
        // With the default rate, both readings occur.
        let plain = EditorSimulation()
        let counts = (0..<200).map { k -> Bool in
            var r = SeededRandom("mix", String(k))
            return plain.run(scene: truth.scene, size: 24, instruction: "make the circle blue", rng: &r).failures.contains(.overEdit)
        }
        #expect(counts.filter { $0 }.count > 40 && counts.filter { !$0 }.count > 80)
    }

    @Test func artifactsPaintPixelsThatAreNoWorldColour() {
        let outcome = run(.artifacts)
        #expect(outcome.failures == [.artifacts])
        #expect(PixelComparison.dirtyPixels(of: outcome.image) > 0)
        #expect(PixelComparison.dirtyPixels(of: run(nil).image) == 0)
    }

    @Test func theEditorReadsTheTextNotTheGroundTruth() {
        // The truth says "recolour the square"; the text says "remove the green triangle".
        let outcome = run(nil, instruction: "remove the green triangle in the bottom-right")
        #expect(outcome.edit == SceneEdit(action: .remove, target: 2))
        #expect(comparison(outcome).completion == 0)
    }

    @Test func vagueInstructionsFailMoreOftenThanPreciseOnes() {
        let editor = EditorSimulation()
        func successRate(_ text: String) -> Double {
            var ok = 0
            for k in 0..<300 {
                var rng = SeededRandom("rate", text, String(k))
                let outcome = editor.run(scene: truth.scene, size: 48, instruction: text, rng: &rng)
                let c = JudgeSimulation.compare(edited: outcome.image, truth: Fixture.truth(size: 48))
                if c.accuracy > 0.95 { ok += 1 }
            }
            return Double(ok) / 300
        }
        let precise = successRate(instruction)
        let vague = successRate("make one of the shapes yellow")
        #expect(precise > 0.5)
        #expect(vague < precise / 2, "precise \(precise), vague \(vague)")
    }

    @Test func aLowerSeverityLeavesLessOfAPartialEditUndoneAndPaintsSmallerArtifacts() {
        func outcomes(_ failure: EditFailure, severity: Double) -> [EditOutcome] {
            var editor = Fixture.editor(always: failure)
            editor.severity = severity
            return (0..<40).map { k in
                var rng = SeededRandom("severity", String(k))
                return editor.run(scene: truth.scene, size: truth.size, instruction: instruction, rng: &rng)
            }
        }
        func meanCompletion(_ severity: Double) -> Double {
            outcomes(.partial, severity: severity).map { comparison($0).completion }.reduce(0, +) / 40
        }
        func meanDirt(_ severity: Double) -> Double {
            Double(outcomes(.artifacts, severity: severity).map { PixelComparison.dirtyPixels(of: $0.image) }.reduce(0, +)) / 40
        }
        let (full, mild) = (meanCompletion(1), meanCompletion(0.4))
        #expect(full < 0.6 && mild > 0.75, "completion at severity 1: \(full), at 0.4: \(mild)")
        // Patch sides scale with the severity, so the area by about its square.
        let (dirty, clean) = (meanDirt(1), meanDirt(0.5))
        #expect(clean > 0 && clean < dirty * 0.4, "dirty pixels at severity 1: \(dirty), at 0.5: \(clean)")
    }

    @Test func failureFactorsMoveOneKindOfFailureOnly() {
        let rates = EditFailureRates.clear.scaled(by: [.partial: 3, .wrongTarget: 0])
        #expect(rates.partial == EditFailureRates.clear.partial * 3)
        #expect(rates.wrongTarget == 0)
        #expect(rates.artifacts == EditFailureRates.clear.artifacts)
        #expect(EditFailureRates.clear.scaled(by: [.artifacts: 100]).artifacts == 1)
        let editor = SyntheticEditor(seed: 1, failureFactors: [.noChange: 0])
        #expect(editor.vague.noChange == 0 && editor.clear.overEdit == EditFailureRates.clear.overEdit)
    }

    @Test func askingToKeepTheRestCutsOverEditing() {
        let editor = EditorSimulation()
        func overEdits(_ text: String) -> Int {
            (0..<400).filter { k in
                var rng = SeededRandom("keep", String(k))
                return editor.run(scene: truth.scene, size: 32, instruction: text, rng: &rng).failures.contains(.overEdit)
            }.count
        }
        let plain = overEdits(instruction)
        let careful = overEdits(instruction + "; keep the other shapes unchanged")
        #expect(careful * 2 < plain, "plain \(plain), careful \(careful)")
    }

    @Test func editorBackendReturnsAPNGOfThePoolSize() async throws {
        let editor = SyntheticEditor(seed: 1)
        let request = EditRequest(item: try Fixture.context(truth, instruction: instruction), turn: 1, instruction: instruction, seed: 5)
        let result = try await editor.edit(request)
        let decoded = try ImageCodec.decode(result.image, name: "edit")
        #expect(decoded.width == truth.size && decoded.height == truth.size)
        #expect(Array(result.image.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    }

    @Test func editorWithoutSyntheticMetaSaysWhatToDo() async throws {
        var context = try Fixture.context(truth, instruction: instruction)
        context.meta = nil
        let request = EditRequest(item: context, turn: 1, instruction: instruction, seed: 5)
        await #expect(throws: SyntheticError.self) { try await SyntheticEditor(seed: 1).edit(request) }
        #expect(SyntheticError.missingTruth(item: "p-1").description.contains("pool synth"))
    }
}
