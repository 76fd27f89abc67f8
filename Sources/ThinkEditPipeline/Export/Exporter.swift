#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// Writes the selected samples as `<export.dir>/sft/` and `<export.dir>/rl/` (SPEC §2.7): in each,
/// `manifest.jsonl`, the files of every format in `export.formats`, `images/` and `README.md`.
///
/// Contract: the output depends only on the run's data, the settings and the template, so the
/// same inputs give byte-identical folders. Everything is written under a temporary folder inside
/// `export.dir` and each split folder is then renamed into place, so a reader sees the old folder
/// or the new one, never a half-written one.
package struct Exporter {
    package let config: RunConfig
    package let store: RunStore
    package let template: UserPromptTemplate
    /// The run's judge prompts, shipped with the reward function of the run kits.
    let judgePrompts: JudgePrompts

    package init(config: RunConfig, store: RunStore, template: UserPromptTemplate) throws {
        self.config = config
        self.store = store
        self.template = template
        self.judgePrompts = try Self.judgePrompts(config)
    }


    /// Samples whose texts are read at once.
    static let textBatch = 2048

    package struct Summary: Sendable, Hashable {
        package var samples: [DatasetSplit: Int]
        /// Distinct images written (per run, an image used by both splits counts once).
        package var images: Int
        package var resized: Int
        package var resizeSeconds: Double
        package var totalSeconds: Double
    }

    /// The export folder of a split.
    package static func folder(_ config: RunConfig, split: DatasetSplit) -> String {
        (config.export.dir as NSString).appendingPathComponent(split.rawValue)
    }

    /// The settings that shape the files, as stable text (hashed into the fingerprint and the card).
    static func settingsText(_ config: RunConfig) -> String {
        let e = config.export
        return "formats=\(e.formats.map(\.rawValue).joined(separator: ","));max_pixels=\(e.maxPixels);image_paths=\(e.imagePaths.rawValue)"
            + ";license=\(e.license);name=\(e.datasetName);dir=\(e.dir)"
    }

    /// Filter's, unroll's and split's settings as stable text, for the card.
    static func curationSettingsText(_ config: RunConfig) throws -> String {
        let c = config.curation
        return "keep_rewritten_prompts=\(c.keepRewrittenPrompts);stop_samples=\(c.stopSamples);split="
            + (try JSONWriter.encode(SplitStage().splitConfig(config), escapingSlashes: true))
    }

    /// How a record names the image file `name` of a split folder (`export.image_paths`).
    static func recordPath(image name: String, folder: String, _ settings: ExportSettings) -> String {
        let relative = "images/" + name
        return settings.imagePaths == .absolute ? (folder as NSString).appendingPathComponent(relative) : relative
    }

    /// The judge prompts of the run's scorer (its prompts folder, else the built-ins).
    static func judgePrompts(_ config: RunConfig) throws -> JudgePrompts {
        try JudgePrompts.load(folder: BackendSet.promptsFolder(config.backends.scorer, config: config))
    }

    package func export() throws -> Summary {
        let start = DispatchTime.now().uptimeNanoseconds
        let root = config.export.dir
        try makeFolder(root)
        removeStaleTemporaries(root)
        let temp = (root as NSString).appendingPathComponent(".export-tmp-\(getpid())")
        try? FileManager.default.removeItem(atPath: temp)
        try makeFolder(temp)
        defer { try? FileManager.default.removeItem(atPath: temp) }

        let resizeStart = DispatchTime.now().uptimeNanoseconds
        let materializer = ExportImages(store: store, maxPixels: config.export.maxPixels, staging: (temp as NSString).appendingPathComponent(".resized"))
        // The image list goes once the outputs are made: only its count is needed after.
        let (outputs, imageCount) = try { () throws -> ([String: ExportImages.Output], Int) in
            let images = try store.read(ExportSampleRow.images)
            return (try materializer.prepare(images), images.count)
        }()
        let resizeSeconds = Double(DispatchTime.now().uptimeNanoseconds - resizeStart) / 1e9

        // One split's rows at a time, without their texts (read a batch at a time as the files
        // are written).
        let splitCounts = try DatasetSplit.allCases.map { split in (split, try store.read { try ExportSampleRow.count($0, split: split) }) }
        let rewritten = try store.rewrittenPrompts()
        let records = try ExportSettingsRecords(store: store)
        for split in DatasetSplit.allCases {
            let rows = try store.read { try ExportSampleRow.fetchAll($0, split: split) }
            try writeSplit(split, rows: rows, outputs: outputs, materializer: materializer, into: (temp as NSString).appendingPathComponent(split.rawValue),
                           splitCounts: splitCounts, rewritten: rewritten, records: records)
        }
        for split in DatasetSplit.allCases {
            try swapIn((temp as NSString).appendingPathComponent(split.rawValue), at: Self.folder(config, split: split), temp: temp)
        }
        return Summary(samples: Dictionary(uniqueKeysWithValues: splitCounts.map { ($0.0, $0.1) }), images: imageCount,
                       resized: outputs.values.filter(\.resized).count, resizeSeconds: resizeSeconds,
                       totalSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    // MARK: - One split

    private func writeSplit(_ split: DatasetSplit, rows: [ExportSampleRow], outputs: [String: ExportImages.Output],
                            materializer: ExportImages, into folder: String,
                            splitCounts: [(DatasetSplit, Int)], rewritten: (turns: Int, trajectories: Int),
                            records: ExportSettingsRecords) throws {
        let imageFolder = (folder as NSString).appendingPathComponent("images")
        try makeFolder(imageFolder)
        let finalFolder = Self.folder(config, split: split)
        func path(_ hash: String) -> String { Self.recordPath(image: outputs[hash]!.name(hash), folder: finalFolder, config.export) }
        var placed = Set<String>()
        for row in rows {
            for hash in [row.sourceImage.hash, row.inputImage.hash] where placed.insert(hash).inserted {
                try materializer.place(hash, outputs[hash]!, in: imageFolder)
            }
        }
        // Every file is written in one pass over the rows, a batch at a time: the batch's texts are
        // read then, and each record lives only while its lines are made. The texts, filled user
        // turns and target texts of 140,000 samples would otherwise hold hundreds of megabytes.
        // The manifest first, then the configured formats in `ExportFormat.allCases` order whatever
        // the config's order: the card lists the files in this order.
        let configured = config.export.formats
        let kit = RunKit(split: split, folder: finalFolder, datasetName: config.export.datasetName, template: template, judge: judgePrompts)
        let layouts: [any ExportFormatWriter] = [ManifestFile()]
            + ExportFormat.allCases.filter(configured.contains).map { $0.writer(kit: kit) }
        var files: [(String, String)] = []
        var writers: [RecordFileWriter] = []
        defer { writers.forEach { $0.release() } }
        var sideFiles: [ExportSideFile] = []
        for layout in layouts {
            writers.append(try RecordFileWriter(folder, layout))
            files.append((layout.fileName, layout.cardDescription))
            // Kit files several formats share (the reward) are written once, listed once.
            for side in layout.sideFiles where !sideFiles.contains(where: { $0.name == side.name }) { sideFiles.append(side) }
        }
        for side in sideFiles {
            let path = (folder as NSString).appendingPathComponent(side.name)
            try makeFolder((path as NSString).deletingLastPathComponent)
            try writeFile(side.text, to: path)
            files.append((side.name, side.cardDescription))
        }
        var withTrainerTokens = 0
        for start in stride(from: 0, to: rows.count, by: Self.textBatch) {
            let batch = rows[start..<min(rows.count, start + Self.textBatch)]
            let texts = try store.read { try ExportSampleRow.texts($0, samples: batch.map(\.sample)) }
            for (offset, light) in batch.enumerated() {
                guard let t = texts[light.sample] else {
                    throw ExportError.notWritable(path: store.databasePath, reason: "sample \(light.id) vanished during the export; export again")
                }
                let row = light.with(t)
                let r = ExportRecord(row: row, template: template, sourceImage: path(row.sourceImage.hash), inputImage: path(row.inputImage.hash))
                if r.hadTrainerTokens { withTrainerTokens += 1 }
                for writer in writers { try writer.add(r, start + offset) }
            }
        }
        for writer in writers { try writer.finish() }
        files.append(("images/", "every image once, named by the SHA-256 of its bytes"))
        try writeFile(records.settingsFile(rows), to: (folder as NSString).appendingPathComponent(ExportSettingsRecords.fileName))
        files.append((ExportSettingsRecords.fileName, "every settings record that made these samples, in full, by the id each manifest row names"))

        let card = DatasetCard(
            name: config.export.datasetName, license: config.export.license, split: split, rows: rows, splitCounts: splitCounts,
            imageCount: placed.count, resizedCount: placed.filter { outputs[$0]!.resized }.count, files: files,
            binning: try ScoreBinning(width: config.curation.binWidth),
            provenance: records.cardLines(rows) + (try provenance(rows, rewritten: rewritten)
                + [("trainer tokens", Self.trainerTokensLine(withTrainerTokens))]))
        try writeFile(card.render(), to: (folder as NSString).appendingPathComponent("README.md"))
    }

    private func provenance(_ rows: [ExportSampleRow], rewritten: (turns: Int, trajectories: Int)) throws -> [(String, String)] {
        let editorsInData = Set(rows.map(\.editor)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return [
            ("editors named by the trajectories", editorsInData.isEmpty ? "none" : editorsInData.map { "`\($0)`" }.joined(separator: ", ")),
            ("curation settings sha256 (filter, unroll and split)", "`\(ContentHash.sha256Hex(try Self.curationSettingsText(config)))`"),
            ("export settings sha256", "`\(ContentHash.sha256Hex(Self.settingsText(config)))` (formats \(config.export.formats.map(\.rawValue).joined(separator: ", ")); max_pixels \(config.export.maxPixels))"),
            ("prompts the editor rewrote", rewrittenLine(rows, rewritten)),
            ("user prompt template sha256", "`\(template.sha256)` (\(template.origin == "built-in" ? "built-in" : "prompts/\(UserPromptTemplate.fileName)"))"),
            ("target text", "SPEC §2.5: `<think>` reasoning, `<score>` {\"semantic\", \"quality\"}, `<answer>` instruction"),
        ]
    }

    static func trainerTokensLine(_ samples: Int) -> String {
        "`<image>`, `<video>`, `<audio>` and chat-template control tokens (`<|...|>`) in instructions, reasoning and answers are "
            + "written with a space (`<image >`, `< |im_end| >`, and the EditThinker RL loader's `{ rewritten_prompt }`) so no trainer "
            + "parses them; samples here that had some: \(samples)"
    }

    /// How many turns of the run an editor executed with a rewritten prompt, what curation did
    /// with them, and how many of this split's samples critique such an edit.
    private func rewrittenLine(_ rows: [ExportSampleRow], _ rewritten: (turns: Int, trajectories: Int)) -> String {
        let policy = config.curation.keepRewrittenPrompts
            ? "kept (`keep_rewritten_prompts`); a sample's previous instruction is the prompt the editor executed"
            : "their trajectories dropped (`editor_rewrote_prompt`)"
        return "\(rewritten.turns) edited turns in \(rewritten.trajectories) trajectories of the run; \(policy); samples here critiquing such an edit: \(rows.filter(\.promptRewritten).count)"
    }

    // MARK: - Putting the folders in place

    /// Renames the new folder over the old one (`AtomicFile.replaceFolder`): the old one is moved
    /// aside into `temp` and deleted with it, or put back if the new one cannot take its name.
    private func swapIn(_ new: String, at target: String, temp: String) throws {
        let aside = (temp as NSString).appendingPathComponent("old-" + (target as NSString).lastPathComponent)
        do {
            try AtomicFile.replaceFolder(target, with: new, aside: aside)
        } catch StoreError.notWritable(let path, let reason) {
            throw ExportError.notWritable(path: path, reason: reason)
        }
    }

    /// Temporary folders a killed export left behind (this process holds the run's lock, so no
    /// other export of this run is writing).
    private func removeStaleTemporaries(_ root: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for name in names where name.hasPrefix(".export-tmp-") {
            try? FileManager.default.removeItem(atPath: (root as NSString).appendingPathComponent(name))
        }
    }
}

/// One format's record file, written through a 1 MB buffer: its header, a record per sample, its
/// footer. The folder is private to this export until it is renamed into place, so the file is
/// written in place; a failed write names the file and says plainly when the disk is full.
private final class RecordFileWriter {
    let path: String
    let fd: Int32
    let layout: any ExportFormatWriter
    var buffer: JSONWriter
    var count = 0

    init(_ folder: String, _ layout: any ExportFormatWriter) throws {
        path = (folder as NSString).appendingPathComponent(layout.fileName)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExportError.notWritable(path: path, reason: StoreError.reason(errno: errno)) }
        self.layout = layout
        buffer = JSONWriter(text: layout.header)
    }

    func add(_ record: ExportRecord, _ index: Int) throws {
        layout.appendRecord(record, index: index, to: &buffer)
        count += 1
        if buffer.text.utf8.count >= 1 << 20 { try flush() }
    }

    func finish() throws {
        buffer.text += layout.footer(count: count)
        try flush()
    }

    func release() { _ = close(fd) }

    private func flush() throws {
        try buffer.text.withUTF8 { try writeAll(fd, UnsafeRawBufferPointer($0), path: path) }
        buffer.text.removeAll(keepingCapacity: true)
    }
}
