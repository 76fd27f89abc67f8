import ThinkEditCore

/// A training format the export writes, by its name in `export.formats`. A name outside these is a
/// config error that lists them.
package enum ExportFormat: String, Sendable, Hashable, CaseIterable {
    /// LLaMA-Factory sharegpt records: `<split>.json` and `dataset_info.json`.
    case llamafactory
    /// ms-swift rows: `swift_sft.jsonl` (sft) or `swift_grpo.jsonl` (rl).
    case swift
    /// Rows for the public EditThinker GRPO loader: `editthinker_rl.jsonl`.
    case editThinkerRL = "editthinker-rl"
    /// verl RL rows: `verl.jsonl`.
    case verl

    /// The writer of this format's files in the folder `kit` describes.
    func writer(kit: RunKit) -> any ExportFormatWriter {
        switch self {
        case .llamafactory: LlamaFactoryFormat(kit: kit)
        case .swift: MSSwiftFormat(kit: kit)
        case .editThinkerRL: EditThinkerRLFormat(kit: kit)
        case .verl: VerlFormat(kit: kit)
        }
    }
}
