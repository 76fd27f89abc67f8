#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ThinkEditCore
import ThinkEditPipeline
import ThinkEditStore

/// `thinkedit report`: a static, self-contained HTML report of a run in `<workdir>/report/`
/// (`index.html`, `style.css`, `lists/`, `t/`, `thumbs/`). No script, no network reference.
///
/// Contract:
/// - Reads only (works while a stage writes); the browser's lists and the figures drawn from them
///   come from one snapshot; the overview's counts are `thinkedit status`'s.
/// - Memory does not grow with the run: trajectories stream in pages of `pageSize` by id, every
///   page file is written as its rows arrive, histograms are fixed arrays.
/// - The report is built in `<workdir>/.report-tmp-<pid>` and renamed into place, so
///   `report/` always holds a whole report, the old one until the new one is complete.
/// - Thumbnails (96 px JPEG, by image hash) already in the old report are hard-linked, not remade.
package struct ReportBuilder {
    package let store: RunStore
    package let pageSize: Int

    package init(store: RunStore, pageSize: Int = 50) {
        self.store = store
        self.pageSize = pageSize
    }

    /// What a build produced.
    package struct Summary: Sendable, Hashable {
        package var folder: String
        package var trajectories: Int
        /// List pages written, over all lists.
        package var listPages: Int
        /// Images shown with a placeholder because their file is missing or unreadable.
        package var missingImages: Int
        package var seconds: Double
    }

    /// The report folder of a run.
    package static func folder(workdir: String) -> String {
        (workdir as NSString).appendingPathComponent("report")
    }

    package func build() throws -> Summary {
        let start = DispatchTime.now().uptimeNanoseconds
        let workdir = store.workdir
        let target = Self.folder(workdir: workdir)
        removeStaleTemporaries(workdir)
        let temp = (workdir as NSString).appendingPathComponent(".report-tmp-\(getpid())")
        try? FileManager.default.removeItem(atPath: temp)
        defer { try? FileManager.default.removeItem(atPath: temp) }
        for sub in ["", "lists", "t", "thumbs"] {
            let dir = sub.isEmpty ? temp : (temp as NSString).appendingPathComponent(sub)
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw ReportError.notWritable(path: dir, reason: (error as NSError).localizedDescription)
            }
        }
        try ReportFiles.write(text: HTML.styleSheet, to: (temp as NSString).appendingPathComponent("style.css"))

        let status = try StatusReport(store: store)
        var critique = ScoreHistogram(series: ["sft", "rl", "unselected"])
        try store.forEachCritiqueScore { overall, split in critique.add(overall, series: split?.rawValue ?? "unselected") }

        let thumbs = Thumbnails(images: store.images, folder: (temp as NSString).appendingPathComponent("thumbs"),
                                previous: (target as NSString).appendingPathComponent("thumbs"))
        var figures = StreamFigures()
        var counts = ReportFilterCounts()
        var lists: [String: ReportList] = [:]
        var order: [ReportList] = []
        var seen = 0
        try store.forEachReportPage(pageSize: pageSize, start: { c in
            counts = c
            order = makeLists(c, folder: temp)
            for l in order { lists[l.key] = l }
        }) { page in
            var images: [ImageRecord] = []
            for t in page {
                if let s = t.sourceImage { images.append(s) }
                images += t.turns.compactMap(\.image)
            }
            let missing = thumbs.make(images)
            figures.missingThumbnails += missing.count
            for t in page {
                figures.record(t)
                let listPage = ReportList.file("all", page: seen / pageSize + 1)
                seen += 1
                try ReportFiles.write(TrajectoryPages.page(t, on: .report(listPage: listPage, missing: missing)),
                                      to: (temp as NSString).appendingPathComponent(TrajectoryPages.path(id: t.id)))
                let row = TrajectoryPages.row(t, root: "../", missing: missing)
                try lists["all"]?.add(row)
                try lists["task-" + HTML.slug(t.task)]?.add(row)
                try lists["split-" + t.split.rawValue]?.add(row)
                if let kept = t.kept { try lists[kept ? "kept" : "dropped"]?.add(row) }
            }
        }
        for l in order { try l.finish() }

        let overview = Overview(status: status, counts: counts, figures: figures, critique: critique, lists: order)
        try ReportFiles.write(overview.html, to: (temp as NSString).appendingPathComponent("index.html"))
        try swapIn(temp, at: target, workdir: workdir)
        return Summary(folder: target, trajectories: seen, listPages: order.reduce(0) { $0 + $1.pageCount },
                       missingImages: figures.missingThumbnails,
                       seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// Every list, in the order the pages link them: all, kept, dropped, the splits, the tasks.
    private func makeLists(_ c: ReportFilterCounts, folder: String) -> [ReportList] {
        var specs: [(String, String, Int)] = [("all", "All trajectories", c.all), ("kept", "Kept", c.kept), ("dropped", "Dropped", c.dropped)]
        for s in SplitMembership.allCases { specs.append(("split-" + s.rawValue, s.listTitle, c.bySplit[s] ?? 0)) }
        let tasks = c.byTask.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for task in tasks { specs.append(("task-" + HTML.slug(task), "Task \(task)", c.byTask[task] ?? 0)) }
        let lists = specs.map { ReportList(key: $0.0, title: $0.1, total: $0.2, pageSize: pageSize, folder: folder) }
        let siblings = specs.map { (title: $0.1, key: $0.0, total: $0.2) }
        for l in lists { l.siblings = siblings }
        return lists
    }

    /// Puts the new report in place: the old folder is renamed aside first and deleted after, so
    /// `report/` names a whole report at every moment but the one between two renames.
    private func swapIn(_ new: String, at target: String, workdir: String) throws {
        let aside = (workdir as NSString).appendingPathComponent(".report-old-\(getpid())")
        do {
            try AtomicFile.replaceFolder(target, with: new, aside: aside)
        } catch StoreError.notWritable(let path, let reason) {
            throw ReportError.notWritable(path: path, reason: reason)
        }
    }

    /// Folders a killed report left behind: those of processes that no longer exist.
    private func removeStaleTemporaries(_ workdir: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: workdir)) ?? []
        for name in names where name.hasPrefix(".report-tmp-") || name.hasPrefix(".report-old-") {
            let pid = pid_t(name.split(separator: "-").last.flatMap { Int32($0) } ?? 0)
            if pid > 0 && pid != getpid() && kill(pid, 0) == 0 { continue }
            try? FileManager.default.removeItem(atPath: (workdir as NSString).appendingPathComponent(name))
        }
    }
}
