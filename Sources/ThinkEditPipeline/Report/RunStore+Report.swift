import GRDB
import ThinkEditCore
import ThinkEditStore

/// One turn as the report shows it: the instruction and reasoning, the edited image (nil while
/// the edit is not made), the score and the judge's raw numbers.
package struct ReportTurn: Sendable, Hashable {
    package var turn: Int
    package var instruction: String
    package var reasoning: String?
    package var image: ImageRecord?
    package var score: Score?
    package var judge: JudgeSubScores?
    /// The judge's reasoning for the semantic and the quality verdicts (nil when not given).
    package var semanticReasoning: String? = nil
    package var qualityReasoning: String? = nil
}

/// A step sample of a trajectory and the split that selected it (nil: not selected).
package struct ReportSample: Sendable, Hashable {
    /// The sample's t: its id is `<trajectory id>#<turn>`.
    package var turn: Int
    package var kind: SampleKind
    package var split: DatasetSplit?
}

/// A trajectory with everything the report draws about it: the request, the turns, the filter's
/// verdict (nil when filter has not run) and the samples unroll made with their split.
package struct ReportTrajectory: Sendable, Hashable {
    package var id: String
    package var task: String
    package var instruction: String
    package var editor: String
    package var status: TrajectoryStatus
    package var endReason: EndReason?
    package var stopReasoning: String?
    package var errorClass: CallErrorClass?
    package var sourceImage: ImageRecord?
    package var turns: [ReportTurn]
    /// `true` kept, `false` dropped, nil not filtered yet.
    package var kept: Bool?
    package var dropReason: DropReason?
    /// The truncation point `k` of a kept trajectory.
    package var k: Int?
    package var variance: Double?
    package var samples: [ReportSample]

    /// The split any of its samples went to (SPEC §2.6: never both).
    package var split: SplitMembership {
        SplitMembership(samples.lazy.compactMap(\.split).first)
    }
}

/// How many trajectories each of the report's list filters holds, computed by the same rules the
/// report's stream applies row by row.
package struct ReportFilterCounts: Sendable, Hashable {
    package var all = 0
    package var byTask: [String: Int] = [:]
    package var bySplit: [SplitMembership: Int] = [:]
    package var kept = 0
    package var dropped = 0

    package init() {}
}

extension RunStore {
    /// Calls `body` with the trajectories in byte order of ids, `pageSize` at a time, all read in
    /// one snapshot. Memory stays bounded by one page: each page is fetched by keyset (`id > last`)
    /// through the `id` index, never by OFFSET. `body` must not call back into the store.
    /// `start` first gets the size of every list, counted in the same snapshot, so page numbers
    /// computed from them match the rows that follow.
    package func forEachReportPage(
        pageSize: Int, start: (ReportFilterCounts) throws -> Void, _ body: ([ReportTrajectory]) throws -> Void
    ) throws {
        precondition(pageSize > 0)
        try read { db in
            try start(try Self.reportFilterCounts(db))
            let pageStmt = try db.makeStatement(sql: ReportTrajectoryReader.select + " WHERE t.id > ? ORDER BY t.id LIMIT ?")
            let reader = try ReportTrajectoryReader(db)
            var last = ""
            while true {
                let page = try reader.read(pageStmt, arguments: [last, pageSize])
                if page.isEmpty { break }
                last = page[page.count - 1].id
                try body(page)
                if page.count < pageSize { break }
            }
        }
    }

    /// The size of every list the report pages through.
    func reportFilterCounts() throws -> ReportFilterCounts {
        try read { db in try Self.reportFilterCounts(db) }
    }

    static func reportFilterCounts(_ db: Database) throws -> ReportFilterCounts {
        var c = ReportFilterCounts()
        c.all = try Int.fetchOne(db, sql: "SELECT count(*) FROM trajectory") ?? 0
        for r in try Row.fetchAll(db, sql: "SELECT task, count(*) AS n FROM trajectory GROUP BY task") {
            c.byTask[r["task"]] = r["n"]
        }
        c.bySplit = try Row.tally(db, sql: """
            SELECT coalesce((SELECT m.split FROM sample s JOIN split_member m ON m.sample = s.seq
                             WHERE s.trajectory = t.seq LIMIT 1), ?) AS key, count(*) AS n
            FROM trajectory t GROUP BY 1
            """, arguments: [SplitMembership.none.rawValue])
        c.kept = try Int.fetchOne(db, sql: "SELECT count(*) FROM curation WHERE kept = 1") ?? 0
        c.dropped = try Int.fetchOne(db, sql: "SELECT count(*) FROM curation WHERE kept = 0") ?? 0
        return c
    }

    /// Calls `body` with the critique score's overall of every step sample and the split that
    /// selected it (nil: not selected), streamed through a cursor.
    package func forEachCritiqueScore(_ body: (Double, DatasetSplit?) throws -> Void) throws {
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT u.overall, m.split FROM sample s
                JOIN turn u ON u.trajectory = s.trajectory AND u.turn = s.critique_turn
                LEFT JOIN split_member m ON m.sample = s.seq
                WHERE u.overall IS NOT NULL
                """)
            while let r = try cursor.next() {
                try body(r["overall"], try r.word("split", as: DatasetSplit.self))
            }
        }
    }

}

/// Reads whole `ReportTrajectory` values: a statement that starts with `select` (any `WHERE`,
/// `ORDER BY` and `LIMIT` after it) gives the trajectories, and each one's turns and samples are
/// read with two prepared statements. The report streams pages through it; `serve` reads single
/// trajectories and filtered pages. Use it inside one read transaction.
struct ReportTrajectoryReader {
    /// The trajectory columns, from `trajectory t` joined with its source image and its curation
    /// row `c`; `seq` is the trajectory's row number.
    package static let select = "SELECT \(columns) FROM trajectory t \(joins)"

    /// The columns `read` takes, over `trajectory t` and `joins`.
    static let columns = """
        t.seq, t.id, t.task, t.instruction, t.editor, t.status, t.end_reason, t.stop_reasoning, t.error_class,
               \(ImageRecord.columns(of: "i", as: "source_")),
               c.kept, c.drop_reason, c.k, c.variance
        """

    /// The source image `i` and the curation row `c` of `trajectory t`.
    static let joins = "LEFT JOIN image i ON i.hash = t.source_image LEFT JOIN curation c ON c.trajectory = t.seq"

    private let turnStmt: Statement
    private let sampleStmt: Statement

    init(_ db: Database) throws {
        turnStmt = try db.makeStatement(sql: """
            SELECT u.turn, u.instruction, u.reasoning, u.semantic, u.quality, u.overall, u.overall_given,
                   u.sc_success, u.sc_overedit, u.pq_natural, u.pq_artifacts, u.semantic_reasoning, u.quality_reasoning,
                   \(ImageRecord.columns(of: "i", as: "image_"))
            FROM turn u LEFT JOIN image i ON i.hash = u.image WHERE u.trajectory = ? ORDER BY u.turn
            """)
        sampleStmt = try db.makeStatement(sql: """
            SELECT s.turn, s.kind, m.split FROM sample s LEFT JOIN split_member m ON m.sample = s.seq
            WHERE s.trajectory = ? ORDER BY s.turn
            """)
    }

    /// The trajectories `statement` (built on `select`) gives, each with its turns and samples.
    package func read(_ statement: Statement, arguments: StatementArguments) throws -> [ReportTrajectory] {
        let rows = try Row.decodeAll(statement, arguments: arguments) { r in
            (seq: r["seq"] as Int64, trajectory: ReportTrajectory(
                id: r["id"], task: r["task"], instruction: r["instruction"], editor: r["editor"], status: try r.word("status"),
                endReason: try r.word("end_reason"), stopReasoning: r["stop_reasoning"], errorClass: try r.word("error_class"),
                sourceImage: try Self.optionalImage(r, prefix: "source_"), turns: [],
                kept: r["kept"], dropReason: try r.word("drop_reason"), k: r["k"], variance: r["variance"], samples: []))
        }
        var page: [ReportTrajectory] = []
        page.reserveCapacity(rows.count)
        for (seq, trajectory) in rows {
            var t = trajectory
            t.turns = try Row.decodeAll(turnStmt, arguments: [seq]) { u in
                var score: Score? = nil
                if let sc = RunStore.number(u["semantic"]), let pq = RunStore.number(u["quality"]) {
                    let given: Bool = u["overall_given"] ?? false
                    score = Score(semantic: sc, quality: pq, overall: given ? u["overall"] : nil)
                }
                var judge: JudgeSubScores? = nil
                if let a = RunStore.number(u["sc_success"]), let b = RunStore.number(u["sc_overedit"]), let c = RunStore.number(u["pq_natural"]),
                   let d = RunStore.number(u["pq_artifacts"]) {
                    judge = JudgeSubScores(success: a, overEditing: b, naturalness: c, artifacts: d)
                }
                return ReportTurn(turn: u["turn"], instruction: u["instruction"], reasoning: u["reasoning"],
                                  image: try Self.optionalImage(u, prefix: "image_"), score: score, judge: judge,
                                  semanticReasoning: u["semantic_reasoning"], qualityReasoning: u["quality_reasoning"])
            }
            t.samples = try Row.decodeAll(sampleStmt, arguments: [seq]) {
                ReportSample(turn: $0["turn"], kind: try $0.word("kind"), split: try $0.word("split"))
            }
            page.append(t)
        }
        return page
    }

    /// The image under `prefix` of a LEFT JOIN; nil when the join found none.
    private static func optionalImage(_ r: Row, prefix: String) throws -> ImageRecord? {
        guard (r[prefix + "hash"] as String?) != nil else { return nil }
        return try ImageRecord(row: r, prefix: prefix)
    }
}
