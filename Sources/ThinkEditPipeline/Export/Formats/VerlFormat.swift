import ThinkEditCore

/// verl RL rows (`verl`, `verl.jsonl`); images as `{"image": path}` (what verl's `process_image`
/// opens), turned into `{"bytes", "path"}` by `train/to_parquet.py`, which `train/verl.sh` runs.
struct VerlFormat: ExportFormatWriter {
    var kit: RunKit
    /// `data_source` of every row: `export.name`.
    private var dataSource: String { kit.datasetName }

    var fileName: String { "verl.jsonl" }
    var cardDescription: String { "verl rows; `train/verl.sh` embeds the images into `verl.parquet` and trains" }

    func appendRecord(_ r: ExportRecord, index: Int, to out: inout JSONWriter) {
        out.object { o in
            o.field("data_source", dataSource)
            o.key("prompt")
            o.messages(r, withAnswer: false)
            o.array("images") { images in
                images.object { $0.field("image", r.sourceImage) }
                images.object { $0.field("image", r.inputImage) }
            }
            o.field("ability", "image_edit_critique")
            o.object("reward_model") { m in
                m.field("style", "rule")
                m.field("ground_truth", r.target)
            }
            o.object("extra_info") { e in
                e.field("split", r.row.split.rawValue)
                e.field("index", index)
                e.metadataFields(r)
                // The reward's edit-improvement term edits the source image again.
                e.field("source_image", r.sourceImage)
            }
        }
        out.text += "\n"
    }

    var sideFiles: [ExportSideFile] { kit.verl(recordFile: fileName) }
}
