#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ThinkEditPipeline
import ThinkEditStore

/// One filtered list of the trajectory browser (all, one task, one split, kept or dropped), written
/// as static pages of `pageSize` rows while the trajectories stream past: it holds at most one
/// page of rows. Its size is known up front (counted in the same snapshot), so every page can link
/// to the last one.
final class ReportList {
    let key: String
    let title: String
    let total: Int
    let pageSize: Int
    let folder: String
    /// The other lists, linked from each page: (title, key, size).
    var siblings: [(title: String, key: String, total: Int)] = []
    private var rows: [HTML] = []
    private var written = 0
    private(set) var ids: Int = 0

    init(key: String, title: String, total: Int, pageSize: Int, folder: String) {
        self.key = key
        self.title = title
        self.total = total
        self.pageSize = pageSize
        self.folder = folder
    }

    /// A list page's path relative to the report folder.
    static func file(_ key: String, page: Int) -> String { "lists/\(key)-\(page).html" }

    var pageCount: Int { max(1, (total + pageSize - 1) / pageSize) }

    func add(_ row: HTML) throws {
        rows.append(row)
        ids += 1
        if rows.count == pageSize { try flush() }
    }

    /// Writes the last page (an empty list still gets its page 1, so every link resolves).
    func finish() throws {
        if !rows.isEmpty || written == 0 { try flush() }
        guard ids == total else {
            throw ReportError.inconsistent(list: key, counted: total, streamed: ids)
        }
    }

    private func flush() throws {
        let page = written + 1
        let root = "../"
        var b: HTML = "<h1>\(title) <small>(\(HTML.figure("list.\(key)", total)) trajectories)</small></h1>"
        b += #"<div class="filters">"# + siblings.map { s -> HTML in
            s.key == key ? "<b>\(s.title) (\(group(s.total)))</b>"
                : #"<a href="\#(root)\#(Self.file(s.key, page: 1))">\#(s.title) (\#(group(s.total)))</a>"#
        }.joined(separator: " ") + "</div>"
        let pager = pagerHTML(page: page, root: root)
        b += pager
        if rows.isEmpty { b += "<p>No trajectory in this list.</p>" }
        b += rows.joined()
        b += pager
        let text = HTML.page(title: "\(title), page \(page)", root: root, nav: ReportNav.links(root: root), body: b)
        try ReportFiles.write(text, to: (folder as NSString).appendingPathComponent(Self.file(key, page: page)))
        rows.removeAll(keepingCapacity: true)
        written += 1
    }

    private func pagerHTML(page: Int, root: String) -> HTML {
        func link(_ p: Int, _ label: String) -> HTML {
            #"<a href="\#(root)\#(Self.file(key, page: p))">\#(label)</a>"#
        }
        var parts: [HTML] = ["<span>page \(page) of \(pageCount)</span>"]
        if page > 1 { parts += [link(1, "first"), link(page - 1, "previous")] }
        if page < pageCount { parts += [link(page + 1, "next"), link(pageCount, "last")] }
        return #"<div class="pager">\#(parts.joined(separator: " "))</div>"#
    }
}

/// Writing the report's files.
enum ReportFiles {
    /// Writes a new file of the report's private folder (renamed into place as a whole).
    static func write(_ html: HTML, to path: String) throws {
        try write(text: html.text, to: path)
    }

    static func write(text: String, to path: String) throws {
        do {
            try AtomicFile.writeNew(Array(text.utf8), to: path)
        } catch StoreError.notWritable(let path, let reason) {
            throw ReportError.notWritable(path: path, reason: reason)
        }
    }
}

/// Why a report could not be made, and what to do.
enum ReportError: Error, CustomStringConvertible {
    case notWritable(path: String, reason: String)
    case inconsistent(list: String, counted: Int, streamed: Int)

    package var description: String {
        switch self {
        case .notWritable(let path, let reason):
            return "\(path): cannot write the report (\(reason)); check the work directory's permissions and free space, then run `thinkedit report` again."
        case .inconsistent(let list, let counted, let streamed):
            return "report list \(list): \(counted) trajectories counted but \(streamed) read in the same snapshot; this is a bug, please report it with the run's database."
        }
    }
}
