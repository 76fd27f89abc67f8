import ThinkEditCore
import ThinkEditStore

/// What the export writes for one sample: the resolved record (user text, target text, image
/// paths) and the record each format's writer makes of it, the manifest first, formats in
/// `ExportFormat.allCases` order. The writers are the export's own (`Export/Formats`), so the page
/// shows exactly the bytes `thinkedit export` writes for the sample, up to the image names of
/// images the export shrinks (those are named by the hash of the shrunk bytes, made at export).
package struct ExportPreview {
    package struct Entry {
        /// `manifest` or the format's name in `export.formats`.
        package var format: String
        /// The file the record goes into, in the split's folder.
        package var file: String
        package var record: String
        package var configured: Bool
    }

    package let record: ExportRecord
    package let entries: [Entry]
    /// Hashes of the sample's images larger than `export.max_pixels`.
    package let shrunk: [String]

    package init(row: ExportSampleRow, config: RunConfig, template: UserPromptTemplate) throws {
        let settings = config.export
        let folder = Exporter.folder(config, split: row.split)
        func path(_ image: ImageRecord) -> String {
            Exporter.recordPath(image: "\(image.hash).\(image.format.fileExtension)", folder: folder, settings)
        }
        let kit = RunKit(split: row.split, folder: folder, datasetName: settings.datasetName, template: template,
                         judge: try Exporter.judgePrompts(config))
        record = ExportRecord(row: row, template: template, sourceImage: path(row.sourceImage), inputImage: path(row.inputImage))
        shrunk = [row.sourceImage, row.inputImage].filter { $0.width * $0.height > settings.maxPixels }.map(\.hash)
        var entries: [Entry] = []
        let writers: [(String, any ExportFormatWriter, Bool)] = [("manifest", ManifestFile(), true)]
            + ExportFormat.allCases.map { ($0.rawValue, $0.writer(kit: kit), settings.formats.contains($0)) }
        for (name, writer, configured) in writers {
            var out = JSONWriter()
            writer.appendRecord(record, index: 0, to: &out)
            entries.append(Entry(format: name, file: writer.fileName, record: out.text.trimmingCharacters(in: .whitespacesAndNewlines),
                                 configured: configured))
        }
        self.entries = entries
    }
}
