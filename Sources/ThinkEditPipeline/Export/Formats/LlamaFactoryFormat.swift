import ThinkEditCore

/// LLaMA-Factory (`llamafactory`): `<split>.json`, a JSON list of sharegpt records,
/// `dataset_info.json` with the one entry `<export.name>_<split>` that tells LLaMA-Factory the
/// columns and role tags, and the data part of a training config (`train/llamafactory.yaml`;
/// docs/formats.md).
struct LlamaFactoryFormat: ExportFormatWriter {
    var kit: RunKit
    private var split: DatasetSplit { kit.split }

    var fileName: String { "\(split).json" }
    var cardDescription: String { "LLaMA-Factory sharegpt records (messages + images)" }
    var header: String { "[" }
    func footer(count: Int) -> String { count == 0 ? "]\n" : "\n]\n" }

    /// One record per line, the list's commas at the line ends.
    func appendRecord(_ r: ExportRecord, index: Int, to out: inout JSONWriter) {
        out.text += index == 0 ? "\n" : ",\n"
        out.object { o in
            o.key("messages")
            o.messages(r, withAnswer: true)
            o.key("images")
            o.imagePaths(r)
        }
    }

    var sideFiles: [ExportSideFile] {
        [ExportSideFile(name: "dataset_info.json", cardDescription: "LLaMA-Factory dataset entry `\(entryName)`", text: datasetInfo),
         kit.llamaFactory(entry: entryName)]
    }

    private var entryName: String { "\(kit.datasetName)_\(split)" }

    /// Indented like LLaMA-Factory's own `dataset_info.json`, since people read and merge it by hand.
    private var datasetInfo: String {
        var w = JSONWriter(indent: 2)
        w.object { top in
            top.object(entryName) { e in
                e.field("file_name", fileName)
                e.field("formatting", "sharegpt")
                e.object("columns") { c in
                    c.field("messages", "messages")
                    c.field("images", "images")
                }
                e.object("tags") { t in
                    t.field("role_tag", "role")
                    t.field("content_tag", "content")
                    t.field("user_tag", "user")
                    t.field("assistant_tag", "assistant")
                }
            }
        }
        return w.text + "\n"
    }
}
