import ThinkEditCore

/// ms-swift (`swift`): SFT rows carry the assistant turn (`swift_sft.jsonl`); GRPO rows, the RL
/// set (`swift_grpo.jsonl`), carry the user turn only, the target as `solution`, and the metadata
/// columns, which ms-swift hands to reward functions as keyword arguments.
struct MSSwiftFormat: ExportFormatWriter {
    var kit: RunKit

    private var grpo: Bool { kit.split == .rl }
    var fileName: String { grpo ? "swift_grpo.jsonl" : "swift_sft.jsonl" }
    var cardDescription: String {
        grpo ? "ms-swift GRPO rows: user turn, images, `solution` and metadata columns" : "ms-swift SFT rows (messages + images)"
    }

    func appendRecord(_ r: ExportRecord, index: Int, to out: inout JSONWriter) {
        out.object { o in
            o.key("messages")
            o.messages(r, withAnswer: !grpo)
            o.key("images")
            o.imagePaths(r)
            if grpo {
                o.field("solution", r.target)
                o.metadataFields(r)
            }
        }
        out.text += "\n"
    }

    var sideFiles: [ExportSideFile] { kit.msSwift(recordFile: fileName) }
}
