/// One bad line of an input file.
struct ImportProblem: Sendable, Hashable, CustomStringConvertible {
    package var line: Int
    package var message: String

    package var description: String { "line \(line): \(message)" }
}

/// Why an import wrote nothing. Every problem carries its line; the message lists the first
/// `shownLimit` of them and says how many there were.
enum ImportError: Error, CustomStringConvertible, Equatable {
    static let shownLimit = 50

    case unreadable(file: String, reason: String)
    case empty(file: String)
    case invalid(file: String, problems: [ImportProblem], total: Int)

    package var description: String {
        switch self {
        case .unreadable(let f, let r):
            return "\(f): cannot read the file (\(r)): check the path and its permissions."
        case .empty(let f):
            return "\(f): the file holds no rows: one JSON object per line is expected."
        case .invalid(let f, let problems, let total):
            var lines = ["\(f): \(total) problem\(total == 1 ? "" : "s") found; nothing was imported. Fix the lines below and import again."]
            lines += problems.map { "  \(f):\($0.line): \($0.message)" }
            if total > problems.count { lines.append("  ... and \(total - problems.count) more") }
            return lines.joined(separator: "\n")
        }
    }
}

/// Collects problems up to a limit while counting all of them.
struct ProblemList {
    private(set) var shown: [ImportProblem] = []
    private(set) var total = 0

    mutating func add(_ line: Int, _ message: String) {
        total += 1
        if shown.count < ImportError.shownLimit { shown.append(ImportProblem(line: line, message: message)) }
    }

    var isEmpty: Bool { total == 0 }

    func check(file: String) throws {
        if total > 0 {
            throw ImportError.invalid(file: file, problems: shown.sorted { ($0.line, $0.message) < ($1.line, $1.message) }, total: total)
        }
    }
}
