import ThinkEditCore
import ThinkEditStore

/// One exported sample, resolved: the database row, the filled user turn, the SPEC §2.5 target
/// text and the two image paths as the records write them (source first, then the critiqued image).
struct ExportRecord: Sendable {
    var row: ExportSampleRow
    var user: String
    var target: String
    var sourceImage: String
    var inputImage: String

    var images: [String] { [sourceImage, inputImage] }

    init(row: ExportSampleRow, template: UserPromptTemplate, sourceImage: String, inputImage: String) {
        self.row = row
        self.user = template.fill(original: row.originalInstruction, previous: row.previousInstruction)
        self.target = TargetText.make(reasoning: row.reasoning, critique: row.critiqueScore, answer: row.answer)
        self.sourceImage = sourceImage
        self.inputImage = inputImage
    }
}

/// The JSON text of every record layout, written by hand so that key order and number forms are
/// fixed: the same samples always give the same bytes.
enum ExportJSON {
    static func string(_ s: String, _ out: inout String) { JSONText.appendQuoted(s, to: &out) }

    /// `{"semantic": SC, "quality": PQ, "overall": O}`, sub-scores as the judge gave them, `O`
    /// rounded to 6 decimals.
    static func score(_ s: Score, semanticKey: String = "semantic", overall: Bool = true, _ out: inout String) {
        out += "{\"\(semanticKey)\":" + s.semantic.description + ",\"quality\":" + s.quality.description
        if overall { out += ",\"overall\":" + JSONNumber.format(JSONNumber.round6(s.overall)) }
        out += "}"
    }

    static func imageList(_ r: ExportRecord, _ out: inout String) {
        out += "["
        string(r.sourceImage, &out)
        out += ","
        string(r.inputImage, &out)
        out += "]"
    }

    /// `[{"role":"user","content":U}]`, plus the assistant turn when `withAnswer`.
    static func messages(_ r: ExportRecord, withAnswer: Bool, _ out: inout String) {
        out += "[{\"role\":\"user\",\"content\":"
        string(r.user, &out)
        out += "}"
        if withAnswer {
            out += ",{\"role\":\"assistant\",\"content\":"
            string(r.target, &out)
            out += "}"
        }
        out += "]"
    }

    /// SPEC §4.4 manifest row.
    static func manifest(_ r: ExportRecord, _ out: inout String) {
        let row = r.row
        out += "{\"id\":"; string(row.id, &out)
        out += ",\"trajectory\":"; string(row.trajectory, &out)
        out += ",\"turn\":" + String(row.turn)
        out += ",\"kind\":"; string(row.kind.rawValue, &out)
        out += ",\"task\":"; string(row.task, &out)
        out += ",\"editor\":"; string(row.editor, &out)
        out += ",\"split\":"; string(row.split.rawValue, &out)
        out += ",\"original_instruction\":"; string(row.originalInstruction, &out)
        out += ",\"previous_instruction\":"; string(row.previousInstruction, &out)
        out += ",\"answer\":"; string(row.answer, &out)
        out += ",\"critique_score\":"; score(row.critiqueScore, &out)
        out += ",\"result_score\":"
        if let result = row.resultScore { score(result, &out) } else { out += "null" }
        out += ",\"trajectory_variance\":" + JSONNumber.format(JSONNumber.round6(row.trajectoryVariance))
        out += ",\"trajectory_length\":" + String(row.trajectoryLength)
        out += ",\"source_image\":"; string(r.sourceImage, &out)
        out += ",\"input_image\":"; string(r.inputImage, &out)
        out += "}\n"
    }

    /// LLaMA-Factory sharegpt record (one element of the JSON list, no separator).
    static func llamaFactory(_ r: ExportRecord, _ out: inout String) {
        out += "{\"messages\":"
        messages(r, withAnswer: true, &out)
        out += ",\"images\":"
        imageList(r, &out)
        out += "}"
    }

    /// The metadata columns shared by the RL layouts. Scores are written as decimals here (`8.0`)
    /// so that a column keeps one type in every row, whatever form the judge used.
    static func metadata(_ r: ExportRecord, _ out: inout String) {
        let row = r.row
        out += "\"id\":"; string(row.id, &out)
        out += ",\"trajectory\":"; string(row.trajectory, &out)
        out += ",\"turn\":" + String(row.turn)
        out += ",\"kind\":"; string(row.kind.rawValue, &out)
        out += ",\"task\":"; string(row.task, &out)
        out += ",\"editor\":"; string(row.editor, &out)
        out += ",\"original_instruction\":"; string(row.originalInstruction, &out)
        out += ",\"previous_instruction\":"; string(row.previousInstruction, &out)
        out += ",\"answer\":"; string(row.answer, &out)
        out += ",\"critique_semantic\":" + JSONNumber.format(row.critiqueScore.semantic.value)
        out += ",\"critique_quality\":" + JSONNumber.format(row.critiqueScore.quality.value)
        out += ",\"critique_overall\":" + JSONNumber.format(JSONNumber.round6(row.critiqueScore.overall))
        out += ",\"result_overall\":" + (row.resultScore.map { JSONNumber.format(JSONNumber.round6($0.overall)) } ?? "null")
        out += ",\"trajectory_variance\":" + JSONNumber.format(JSONNumber.round6(row.trajectoryVariance))
        out += ",\"trajectory_length\":" + String(row.trajectoryLength)
    }

    /// ms-swift row: SFT rows carry the assistant turn; GRPO rows (the RL set) carry the user turn
    /// only, the target as `solution`, and the metadata columns, which ms-swift hands to reward
    /// functions as keyword arguments.
    static func swift(_ r: ExportRecord, grpo: Bool, _ out: inout String) {
        out += "{\"messages\":"
        messages(r, withAnswer: !grpo, &out)
        out += ",\"images\":"
        imageList(r, &out)
        if grpo {
            out += ",\"solution\":"; string(r.target, &out)
            out += ","
            metadata(r, &out)
        }
        out += "}\n"
    }

    /// The row the public EditThinker GRPO loader reads: it fills `{original_instruction}` and
    /// `{rewritten_prompt}` of its own prompt from the two prompts and opens the two image paths
    /// (relative ones against its `image_dir`).
    static func editThinkerRL(_ r: ExportRecord, _ out: inout String) {
        out += "{\"origin_prompt\":"; string(r.row.originalInstruction, &out)
        out += ",\"rewritten_prompt\":"; string(r.row.previousInstruction, &out)
        out += ",\"origin_image_path\":"; string(r.sourceImage, &out)
        out += ",\"edited_image_path\":"; string(r.inputImage, &out)
        out += ",\"evaluation\":"; score(r.row.critiqueScore, semanticKey: "semantics", overall: false, &out)
        out += "}\n"
    }

    /// verl RL row; images as `{"image": path}` (what verl's `process_image` opens), turned into
    /// `{"bytes", "path"}` by `scripts/to_parquet.py`.
    static func verl(_ r: ExportRecord, dataSource: String, index: Int, _ out: inout String) {
        out += "{\"data_source\":"; string(dataSource, &out)
        out += ",\"prompt\":"
        messages(r, withAnswer: false, &out)
        out += ",\"images\":[{\"image\":"; string(r.sourceImage, &out)
        out += "},{\"image\":"; string(r.inputImage, &out)
        out += "}],\"ability\":\"image_edit_critique\""
        out += ",\"reward_model\":{\"style\":\"rule\",\"ground_truth\":"; string(r.target, &out)
        out += "},\"extra_info\":{\"split\":"; string(r.row.split.rawValue, &out)
        out += ",\"index\":" + String(index) + ","
        metadata(r, &out)
        out += "}}\n"
    }
}
