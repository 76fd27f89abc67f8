import ThinkEditCore
import ThinkEditStore

/// One exported sample, resolved: the database row, the filled user turn, the SPEC §2.5 target
/// text and the two image paths as the records write them (source first, then the critiqued image).
/// The user turn and the target have their trainer tokens defused (`TrainerTokens`).
package struct ExportRecord: Sendable {
    package var row: ExportSampleRow
    package var user: String
    package var target: String
    package var sourceImage: String
    package var inputImage: String

    var images: [String] { [sourceImage, inputImage] }

    /// Some text of the sample held a trainer token that the export defused.
    var hadTrainerTokens: Bool {
        [row.originalInstruction, row.previousInstruction, row.reasoning, row.answer].contains { TrainerTokens.occur(in: $0) }
    }

    init(row: ExportSampleRow, template: UserPromptTemplate, sourceImage: String, inputImage: String) {
        self.row = row
        self.user = template.fill(original: row.originalInstruction, previous: row.previousInstruction)
        self.target = TargetText.make(reasoning: TrainerTokens.defused(row.reasoning), critique: row.critiqueScore,
                                      answer: TrainerTokens.defused(row.answer))
        self.sourceImage = sourceImage
        self.inputImage = inputImage
    }
}

// MARK: - Pieces the record layouts share

/// Written with a `JSONWriter` so that key order and number forms are fixed: the same samples
/// always give the same bytes. Each format's own layout is in `Formats/`.
extension JSONWriter {
    /// `{"semantic": SC, "quality": PQ, "overall": O}`, every number a decimal (`8.0`, not `8`)
    /// whatever form the judge used, `O` rounded to 6 decimals. One JSON type per column: a
    /// loader that infers a column's type from its first rows (`datasets`, Arrow) would fail on
    /// the first decimal after a block of integers. Only the target text keeps the judge's forms.
    mutating func score(_ s: Score, semanticKey: String = "semantic", overall: Bool = true) {
        object { o in
            o.field(semanticKey, s.semantic.value)
            o.field("quality", s.quality.value)
            if overall { o.field("overall", JSONNumber.round6(s.overall)) }
        }
    }

    /// `[source image, input image]`.
    mutating func imagePaths(_ r: ExportRecord) {
        array { a in
            a.string(r.sourceImage)
            a.string(r.inputImage)
        }
    }

    /// `[{"role":"user","content":U}]`, plus the assistant turn when `withAnswer`.
    mutating func messages(_ r: ExportRecord, withAnswer: Bool) {
        array { a in
            a.object { m in
                m.field("role", "user")
                m.field("content", r.user)
            }
            if withAnswer {
                a.object { m in
                    m.field("role", "assistant")
                    m.field("content", r.target)
                }
            }
        }
    }

    /// The metadata columns shared by the RL layouts, as members of the current object. Scores are
    /// written as decimals here (`8.0`) so that a column keeps one type in every row, whatever form
    /// the judge used.
    mutating func metadataFields(_ r: ExportRecord) {
        let row = r.row
        field("id", row.id)
        field("trajectory", row.trajectory)
        field("turn", row.turn)
        field("kind", row.kind.rawValue)
        field("task", row.task)
        field("editor", row.editor)
        field("original_instruction", row.originalInstruction)
        field("previous_instruction", row.previousInstruction)
        field("answer", row.answer)
        field("critique_semantic", row.critiqueScore.semantic.value)
        field("critique_quality", row.critiqueScore.quality.value)
        field("critique_overall", JSONNumber.round6(row.critiqueScore.overall))
        key("result_overall")
        if let result = row.resultScore { double(JSONNumber.round6(result.overall)) } else { null() }
        field("trajectory_variance", JSONNumber.round6(row.trajectoryVariance))
        field("trajectory_length", row.trajectoryLength)
    }
}
