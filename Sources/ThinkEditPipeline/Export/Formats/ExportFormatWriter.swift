import ThinkEditCore

/// What one format writes into a split's folder: a record file with one record per sample, in the
/// manifest's order, and any files beside it. `Exporter` streams every sample through the record
/// file of the manifest and of each configured format, and the dataset card lists the files in
/// that order. Each `ExportFormat` has one conforming type (`ExportFormat.writer(for:settings:)`);
/// the manifest is written the same way (`ManifestFile`).
///
///     struct SampleIDs: ExportFormatWriter {
///         var fileName: String { "ids.jsonl" }
///         var cardDescription: String { "the sample ids" }
///         func appendRecord(_ record: ExportRecord, index: Int, to out: inout JSONWriter) {
///             out.object { $0.field("id", record.row.id) }
///             out.text += "\n"
///         }
///     }
///
/// Contract: the text depends only on the records, their order and the settings the type was made
/// with, so the same samples give the same bytes.
protocol ExportFormatWriter {
    /// The record file's name in the split folder.
    var fileName: String { get }
    /// What the dataset card says the record file holds.
    var cardDescription: String { get }
    /// Text before the first record (a JSON list's `[`). None by default.
    var header: String { get }
    /// Text after the last of `count` records. None by default.
    func footer(count: Int) -> String
    /// Appends the record of sample `index` (0-based, manifest order) with what separates it from
    /// the next one (a JSONL line break).
    func appendRecord(_ record: ExportRecord, index: Int, to out: inout JSONWriter)
    /// Files written once beside the record file (LLaMA-Factory's `dataset_info.json`). None by default.
    var sideFiles: [ExportSideFile] { get }
}

extension ExportFormatWriter {
    var header: String { "" }
    func footer(count: Int) -> String { "" }
    var sideFiles: [ExportSideFile] { [] }
}

/// A file a format writes beside its records, whole.
struct ExportSideFile {
    var name: String
    /// What the dataset card says the file holds.
    var cardDescription: String
    var text: String
}
