import ThinkEditCore

/// `manifest.jsonl` (SPEC §4.4), the first file of every split folder whatever the formats: one
/// row per sample; line `i` of every format's file is the sample of manifest row `i`.
struct ManifestFile: ExportFormatWriter {
    var fileName: String { "manifest.jsonl" }
    var cardDescription: String { "one row per sample (SPEC §4.4), sorted by id" }

    func appendRecord(_ r: ExportRecord, index: Int, to out: inout JSONWriter) {
        let row = r.row
        out.object { o in
            o.field("id", row.id)
            o.field("trajectory", row.trajectory)
            o.field("turn", row.turn)
            o.field("kind", row.kind.rawValue)
            o.field("task", row.task)
            o.field("editor", row.editor)
            o.field("split", row.split.rawValue)
            o.field("original_instruction", row.originalInstruction)
            o.field("previous_instruction", row.previousInstruction)
            o.field("answer", row.answer)
            o.key("critique_score")
            o.score(row.critiqueScore)
            o.key("result_score")
            if let result = row.resultScore { o.score(result) } else { o.null() }
            o.field("trajectory_variance", JSONNumber.round6(row.trajectoryVariance))
            o.field("trajectory_length", row.trajectoryLength)
            o.field("source_image", r.sourceImage)
            o.field("input_image", r.inputImage)
            o.key("settings")
            o.settings(row.settings)
        }
        out.text += "\n"
    }
}

extension JSONWriter {
    /// `{"generate": ID, "score": ID}`: the settings records behind a sample or a trajectory,
    /// written in full in the export's `settings.json`.
    mutating func settings(_ s: SampleSettings) {
        object { o in
            o.field("generate", s.generate)
            o.field("score", s.score)
        }
    }
}
