import ThinkEditCore

/// The row the public EditThinker GRPO loader reads (`editthinker-rl`, `editthinker_rl.jsonl`): it
/// fills `{original_instruction}` and `{rewritten_prompt}` of its own prompt from the two prompts
/// and opens the two image paths (relative ones against its `image_dir`).
struct EditThinkerRLFormat: ExportFormatWriter {
    var kit: RunKit
    var fileName: String { "editthinker_rl.jsonl" }
    var cardDescription: String { "rows for the EditThinker GRPO loader" }

    func appendRecord(_ r: ExportRecord, index: Int, to out: inout JSONWriter) {
        out.object { o in
            // The loader fills these into its own prompt: trainer tokens defused as in the user turn.
            o.field("origin_prompt", TrainerTokens.defused(r.row.originalInstruction))
            o.field("rewritten_prompt", TrainerTokens.defused(r.row.previousInstruction))
            o.field("origin_image_path", r.sourceImage)
            o.field("edited_image_path", r.inputImage)
            o.key("evaluation")
            o.score(r.row.critiqueScore, semanticKey: "semantics", overall: false)
        }
        out.text += "\n"
    }

    /// The EasyR1 settings, the loader's prompt file and the reward.
    var sideFiles: [ExportSideFile] { kit.easyR1(recordFile: fileName) }
}
