import Foundation
import ThinkEditCore
import ThinkEditImaging
import ThinkEditStore

/// What an import did.
package struct ImportSummary: Sendable, Hashable {
    package var rows: Int
    package var inserted: Int
    /// Rows whose id the run already held with the same content.
    package var unchanged: Int
    package var images: Int
}

/// `thinkedit pool import` (SPEC §4.1): validates the whole file, then writes it in one transaction.
package struct PoolImporter {
    let config: RunConfig
    let store: RunStore

    package init(config: RunConfig, store: RunStore) {
        self.config = config
        self.store = store
    }

    private struct Row: Sendable {
        var id: String?
        var image: String?
        var instruction: String?
        var task: String?
        var source: String?
        /// The canonical text of `meta` when it is an object. The parsed tree is dropped at once:
        /// trees of a 100k-row pool would take most of a gigabyte.
        var metaText: String?
        /// False when `meta` is there but is not an object.
        var metaIsObject = true

        init(json: JSONValue) throws(FieldError) {
            let f = try JSONFields(json)
            id = try f.string("id")
            image = try f.string("image")
            instruction = try f.string("instruction")
            task = try f.string("task")
            source = try f.string("source")
            if let meta = f.raw("meta") {
                if case .object = meta { metaText = meta.canonicalText } else { metaIsObject = false }
            }
        }
    }

    package func importFile(_ path: String) throws -> ImportSummary {
        let file = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        let jsonl = try JSONLines(file: file)
        guard !jsonl.lines.isEmpty else { throw ImportError.empty(file: file) }
        let intake = ImageIntake(folder: (file as NSString).deletingLastPathComponent, limits: ImageLimits(maxPixels: config.images.maxPixels))
        let decoded = jsonl.parseAll { bytes in parseRow(bytes) { json throws(FieldError) in try Row(json: json) } }

        var problems = ProblemList()
        var rows: [(line: Int, row: Row, imagePath: String)] = []
        var firstLine: [String: Int] = [:]
        for (i, result) in decoded.enumerated() {
            let line = jsonl.lines[i].number
            let row: Row
            switch result {
            case .success(let r): row = r
            case .failure(let e):
                problems.add(line, e.description)
                continue
            }
            var ok = true
            for (name, value) in [("id", row.id), ("image", row.image), ("instruction", row.instruction), ("task", row.task)] {
                if value == nil {
                    problems.add(line, "field \"\(name)\" is missing")
                    ok = false
                } else if value!.isBlank {
                    problems.add(line, "field \"\(name)\" is empty")
                    ok = false
                }
            }
            if !row.metaIsObject {
                problems.add(line, "field \"meta\" must be an object")
                ok = false
            }
            if let task = row.task, !task.isEmpty, config.taxonomy.resolve(task) == nil {
                problems.add(line, "task \"\(task)\" is not in the taxonomy (\(config.taxonomy.tasks.joined(separator: ", "))): fix the task or map it with `task_map` in the config")
                ok = false
            }
            if let id = row.id, !id.isEmpty {
                if let earlier = firstLine[id] {
                    problems.add(line, "id \"\(id)\" already appears on line \(earlier): ids must be unique")
                    ok = false
                } else {
                    firstLine[id] = line
                }
            }
            if ok { rows.append((line, row, intake.resolve(row.image!))) }
        }

        let inspected = intake.inspect(Set(rows.map(\.imagePath)))
        let existing = try store.poolItems(ids: rows.map { $0.row.id! })
        var items: [PoolItem] = []
        var unchanged = 0
        for (line, row, imagePath) in rows {
            let record: ImageRecord
            switch inspected[imagePath]! {
            case .success(let i): record = i.record
            case .failure(let e):
                problems.add(line, "image \"\(row.image!)\": \(e)")
                continue
            }
            let item = PoolItem(id: row.id!, image: record.hash, instruction: row.instruction!,
                                task: config.taxonomy.resolve(row.task!)!, source: row.source, metaJSON: row.metaText)
            if let old = existing[item.id] {
                if old == item {
                    unchanged += 1
                } else {
                    problems.add(line, "id \"\(item.id)\" is already in the run with different content: give the row a new id, or remove it")
                }
                continue
            }
            items.append(item)
        }
        try problems.check(file: file)

        let needed = Set(items.map(\.image))
        let images = inspected.values.compactMap { try? $0.get() }.filter { needed.contains($0.record.hash) }
        var seen = Set<String>()
        let unique = images.filter { seen.insert($0.record.hash).inserted }
        try intake.store(unique, into: store.images)
        let inserted = try store.insertPool(images: unique.map(\.record), items: items)
        return ImportSummary(rows: rows.count, inserted: inserted, unchanged: unchanged, images: unique.count)
    }
}
