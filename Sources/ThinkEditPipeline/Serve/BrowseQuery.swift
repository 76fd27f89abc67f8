import Foundation
import GRDB
import ThinkEditCore

/// What the trajectory table of `thinkedit serve` shows: the filters, the sort and the keyset
/// position, read from a URL's query (`?task=color_alter&best_min=6&sort=best&dir=desc`). Every
/// value is checked: an unknown sort or a number that is not one is a `BrowseQueryError`, which
/// the page shows, never a silently ignored filter.
package struct BrowseQuery: Sendable, Hashable {
    /// A column the table can be sorted by. Ties are broken by trajectory id (byte order).
    package enum Sort: String, Sendable, CaseIterable {
        case id, first, best, variance, turns

        /// The value as the table sorts it, over `trajectory t` and its `curation c`: NULL (no
        /// score yet, not filtered) is -1e300, below every value. The serve index keeps it per
        /// trajectory (`SearchIndex.rankSchema`, a column named like the case); nil for `id`.
        var valueSQL: String? {
            switch self {
            case .id: nil
            case .first: "coalesce(\(BrowseQuery.firstScoreSQL), -1e300)"
            case .best: "coalesce(\(BrowseQuery.bestScoreSQL), -1e300)"
            case .variance: "coalesce(c.variance, -1e300)"
            case .turns: BrowseQuery.turnsSQL
            }
        }
    }

    /// The filter's verdict on a trajectory.
    package enum Verdict: String, Sendable, CaseIterable {
        case kept, dropped, unfiltered
    }

    package var task: String?
    package var editor: String?
    /// `stop` or `max_turns`.
    package var endReason: String?
    package var verdict: Verdict?
    package var dropReason: String?
    package var split: SplitMembership?
    /// The error class of a failed trajectory.
    package var failedClass: String?
    package var firstMin: Double?
    package var firstMax: Double?
    package var bestMin: Double?
    package var bestMax: Double?
    package var varianceMin: Double?
    package var varianceMax: Double?
    /// Words that must all occur in the trajectory's instructions or reasoning (full-text search).
    package var text: String?
    package var sort: Sort = .id
    package var descending = false
    /// The keyset position: the last row of the previous page (its sort value and id).
    package var after: Cursor?
    package var pageSize = 50

    init() {}

    /// The last row a page showed: the next page starts after it.
    package struct Cursor: Sendable, Hashable {
        package var value: Double?
        package var id: String

        /// `value|id` (the value empty for `sort=id`): the `after` parameter of a next-page link.
        package var text: String {
            (value.map { String(format: "%.17g", $0) } ?? "") + "|" + id
        }

        init(value: Double?, id: String) {
            self.value = value
            self.id = id
        }

        init?(text: String) {
            guard let bar = text.firstIndex(of: "|") else { return nil }
            let head = text[..<bar]
            id = String(text[text.index(after: bar)...])
            if head.isEmpty {
                value = nil
            } else {
                guard let v = Double(head), v.isFinite else { return nil }
                value = v
            }
        }
    }

    static let maxPageSize = 500

    /// The parameters the table reads; any other is an error that lists these.
    static let parameterNames = ["q", "task", "editor", "end", "verdict", "drop", "split", "failed", "first_min", "first_max",
                                 "best_min", "best_max", "var_min", "var_max", "sort", "dir", "after", "n"]

    /// The query a URL's parameters describe. Empty values count as absent.
    package init(parameters: [String: String]) throws {
        if let unknown = parameters.keys.sorted().first(where: { !Self.parameterNames.contains($0) }) {
            throw BrowseQueryError.unknownParameter(unknown)
        }
        func text(_ key: String) -> String? {
            guard let v = parameters[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        func number(_ key: String) throws -> Double? {
            guard let v = text(key) else { return nil }
            guard let d = Double(v), d.isFinite else { throw BrowseQueryError.notANumber(parameter: key, value: v) }
            return d
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws -> T? where T.RawValue == String {
            guard let v = text(key) else { return nil }
            guard let c = T(rawValue: v) else {
                throw BrowseQueryError.unknownChoice(parameter: key, value: v, choices: T.allCases.map(\.rawValue))
            }
            return c
        }
        task = text("task")
        editor = text("editor")
        endReason = text("end")
        verdict = try choice("verdict", Verdict.self)
        dropReason = text("drop")
        split = try choice("split", SplitMembership.self)
        failedClass = text("failed")
        firstMin = try number("first_min")
        firstMax = try number("first_max")
        bestMin = try number("best_min")
        bestMax = try number("best_max")
        varianceMin = try number("var_min")
        varianceMax = try number("var_max")
        self.text = text("q")
        sort = try choice("sort", Sort.self) ?? .id
        if let d = text("dir") {
            guard d == "asc" || d == "desc" else { throw BrowseQueryError.unknownChoice(parameter: "dir", value: d, choices: ["asc", "desc"]) }
            descending = d == "desc"
        }
        if let a = text("after") {
            guard let c = Cursor(text: a), (c.value == nil) == (sort == .id) else { throw BrowseQueryError.badCursor(a) }
            after = c
        }
        if let n = text("n") {
            guard let size = Int(n), size >= 1, size <= Self.maxPageSize else {
                throw BrowseQueryError.notANumber(parameter: "n", value: n)
            }
            pageSize = size
        }
    }

    /// The query as URL parameters (without `after`), in a fixed order, for links.
    package var parameters: [(String, String)] {
        var out: [(String, String)] = []
        func add(_ k: String, _ v: String?) { if let v { out.append((k, v)) } }
        func add(_ k: String, _ v: Double?) { if let v { out.append((k, JSONNumber.format(v))) } }
        add("q", text)
        add("task", task)
        add("editor", editor)
        add("end", endReason)
        add("verdict", verdict?.rawValue)
        add("drop", dropReason)
        add("split", split?.rawValue)
        add("failed", failedClass)
        add("first_min", firstMin)
        add("first_max", firstMax)
        add("best_min", bestMin)
        add("best_max", bestMax)
        add("var_min", varianceMin)
        add("var_max", varianceMax)
        if sort != .id { out.append(("sort", sort.rawValue)) }
        if descending { out.append(("dir", "desc")) }
        if pageSize != 50 { out.append(("n", String(pageSize))) }
        return out
    }

    // MARK: - SQL

    /// The trajectory's first-turn score `O_1`, best score `max O_t`, split and edited-turn count,
    /// as expressions over `trajectory t` (one index lookup each: turn's key is (trajectory, turn),
    /// sample has (trajectory, turn) unique).
    static let firstScoreSQL = "(SELECT u.overall FROM turn u WHERE u.trajectory = t.seq AND u.turn = 1)"
    static let bestScoreSQL = "(SELECT max(u.overall) FROM turn u WHERE u.trajectory = t.seq)"
    static let turnsSQL = "(SELECT count(*) FROM turn u WHERE u.trajectory = t.seq AND u.image IS NOT NULL)"
    static let splitSQL = """
        coalesce((SELECT m.split FROM sample s JOIN split_member m ON m.sample = s.seq WHERE s.trajectory = t.seq LIMIT 1), 'none')
        """

    /// `WHERE` conditions (joined by AND) and their arguments, without the keyset position.
    /// The search words go to the search index attached as `search` (`SearchIndex`).
    func filterSQL() -> (conditions: [String], arguments: [any DatabaseValueConvertible]) {
        var c: [String] = []
        var a: [any DatabaseValueConvertible] = []
        func equal(_ column: String, _ v: String?) {
            if let v { c.append("\(column) = ?"); a.append(v) }
        }
        func range(_ expr: String, _ lo: Double?, _ hi: Double?) {
            if let lo { c.append("\(expr) >= ?"); a.append(lo) }
            if let hi { c.append("\(expr) <= ?"); a.append(hi) }
        }
        equal("t.task", task)
        equal("t.editor", editor)
        equal("t.end_reason", endReason)
        switch verdict {
        case .kept?: c.append("c.kept = 1")
        case .dropped?: c.append("c.kept = 0")
        case .unfiltered?: c.append("c.trajectory IS NULL")
        case nil: break
        }
        equal("c.drop_reason", dropReason)
        equal(Self.splitSQL, split?.rawValue)
        if let f = failedClass { c.append("t.status = ? AND t.error_class = ?"); a += [TrajectoryStatus.failed, f] }
        range(Self.firstScoreSQL, firstMin, firstMax)
        range(Self.bestScoreSQL, bestMin, bestMax)
        range("c.variance", varianceMin, varianceMax)
        if let text, let match = SearchIndex.matchExpression(text) {
            c.append("t.seq IN (SELECT rowid FROM search.doc WHERE doc MATCH ?)")
            a.append(match)
        }
        return (c, a)
    }

    /// The page's statement: `ReportTrajectoryReader`'s columns with the filters, the keyset
    /// condition, the order and one row more than a page (to know whether a next page exists).
    /// A sorted page walks the serve index's `rank r` in the order's index (`CROSS JOIN` keeps
    /// `r` the outer loop) and stops after a page of matches; the id order walks the trajectory
    /// table's id index.
    func pageSQL() -> (sql: String, arguments: StatementArguments) {
        var (conditions, args) = filterSQL()
        var sql = "SELECT \(ReportTrajectoryReader.columns) FROM "
        let dir = descending ? "DESC" : "ASC"
        let order: String
        if sort == .id {
            sql += "trajectory t \(ReportTrajectoryReader.joins)"
            if let after {
                conditions.append("t.id \(descending ? "<" : ">") ?")
                args.append(after.id)
            }
            order = "t.id \(dir)"
        } else {
            let column = "r.\(sort.rawValue)"
            sql += "search.rank r CROSS JOIN trajectory t ON t.seq = r.seq \(ReportTrajectoryReader.joins)"
            if let after, let v = after.value {
                // The first term bounds the index range; the second skips the ties already shown.
                conditions.append("\(column) \(descending ? "<=" : ">=") ? AND (\(column) \(descending ? "<" : ">") ? OR r.id > ?)")
                args += [v, v, after.id]
            }
            order = "\(column) \(dir), r.id ASC"
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY \(order) LIMIT ?"
        args.append(pageSize + 1)
        return (sql, StatementArguments(args.map { $0.databaseValue }))
    }

    /// The filters alone, as text: two queries with the same key match the same trajectories.
    package var filterKey: String {
        let (conditions, arguments) = filterSQL()
        return conditions.joined(separator: " AND ") + "|" + arguments.map { "\($0.databaseValue)" }.joined(separator: "|")
    }

    /// How many trajectories match the filters.
    func countSQL() -> (sql: String, arguments: StatementArguments) {
        let (conditions, args) = filterSQL()
        var sql = "SELECT count(*) FROM trajectory t LEFT JOIN curation c ON c.trajectory = t.seq"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        return (sql, StatementArguments(args.map { $0.databaseValue }))
    }
}

/// A URL parameter of the trajectory table that cannot be understood.
package enum BrowseQueryError: Error, CustomStringConvertible, Equatable {
    case notANumber(parameter: String, value: String)
    case unknownChoice(parameter: String, value: String, choices: [String])
    case badCursor(String)
    case unknownParameter(String)

    package var description: String {
        switch self {
        case .notANumber(let p, let v): "`\(p)=\(v)`: give a number" + (p == "n" ? " from 1 to \(BrowseQuery.maxPageSize)" : "") + "."
        case .unknownChoice(let p, let v, let choices): "`\(p)=\(v)`: choose one of \(choices.joined(separator: ", "))."
        case .badCursor(let v): "`after=\(v)` is not a position of this sort; start from the first page."
        case .unknownParameter(let p): "`\(p)` is not a filter of the table; use \(BrowseQuery.parameterNames.joined(separator: ", "))."
        }
    }
}
