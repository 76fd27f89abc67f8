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

    /// The writer of this format's files in the folder of `split`.
    func writer(for split: DatasetSplit, settings: ExportSettings) -> any ExportFormatWriter {
        switch self {
        case .llamafactory: LlamaFactoryFormat(split: split, datasetName: settings.datasetName)
        case .swift: MSSwiftFormat(split: split)
        case .editThinkerRL: EditThinkerRLFormat()
        case .verl: VerlFormat(dataSource: settings.datasetName)
        }
    }
}
