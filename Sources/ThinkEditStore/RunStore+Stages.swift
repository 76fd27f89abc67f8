import Foundation
import GRDB

/// One run of a stage, as recorded in `stage_run`.
public struct StageRun: Sendable, Hashable {
    public var id: Int64
    public var stage: String
    /// Hash of the stage's settings and of its inputs' versions: equal fingerprint, nothing to do.
    public var fingerprint: String
    /// `running`, `done`, `failed` or `interrupted`.
    public var status: String
    public var startedAt: Double
    public var finishedAt: Double?
    /// JSON object of counts.
    public var counts: String?
    /// JSON statistics of the stage.
    public var stats: String?
    public var message: String?
}

extension RunStore {
    /// Records that a stage starts.
    public func beginStage(_ stage: String, fingerprint: String) throws -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO stage_run(stage, fingerprint, status, started_at) VALUES (?, ?, 'running', ?)",
                           arguments: [stage, fingerprint, Date().timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    /// Records how a stage run ended.
    public func finishStage(_ id: Int64, status: String, counts: String?, stats: String?, message: String? = nil,
                            fingerprint: String? = nil) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE stage_run SET status = ?, finished_at = ?, counts = ?, stats = ?, message = ?, fingerprint = coalesce(?, fingerprint)
                WHERE id = ?
                """, arguments: [status, Date().timeIntervalSince1970, counts, stats, message, fingerprint, id])
        }
    }

    /// The latest run of each stage.
    public func latestStageRuns() throws -> [String: StageRun] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, stage, fingerprint, status, started_at, finished_at, counts, stats, message FROM stage_run
                WHERE id IN (SELECT max(id) FROM stage_run GROUP BY stage)
                """)
            var out: [String: StageRun] = [:]
            for r in rows {
                let run = StageRun(id: r[0], stage: r[1], fingerprint: r[2], status: r[3], startedAt: r[4], finishedAt: r[5],
                                   counts: r[6], stats: r[7], message: r[8])
                out[run.stage] = run
            }
            return out
        }
    }
}
