import Foundation
import GRDB
import ThinkEditCore

/// One run of a stage, as recorded in `stage_run`.
package struct StageRun: Sendable, Hashable {
    package var id: Int64
    package var stage: StageName
    /// Hash of the stage's settings and of its inputs' versions: equal fingerprint, nothing to do.
    package var fingerprint: String
    package var status: StageStatus
    package var startedAt: Double
    package var finishedAt: Double?
    /// JSON object of counts.
    package var counts: String?
    /// JSON statistics of the stage.
    package var stats: String?
    package var message: String?
}

extension RunStore {
    /// Records that a stage starts.
    package func beginStage(_ stage: StageName, fingerprint: String) throws -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO stage_run(stage, fingerprint, status, started_at) VALUES (?, ?, ?, ?)",
                           arguments: [stage.rawValue, fingerprint, StageStatus.running.rawValue, Date().timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    /// Records how a stage run ended.
    package func finishStage(_ id: Int64, status: StageStatus, counts: String?, stats: String?, message: String? = nil,
                            fingerprint: String? = nil) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE stage_run SET status = ?, finished_at = ?, counts = ?, stats = ?, message = ?, fingerprint = coalesce(?, fingerprint)
                WHERE id = ?
                """, arguments: [status.rawValue, Date().timeIntervalSince1970, counts, stats, message, fingerprint, id])
        }
    }

    /// The latest run of each stage.
    package func latestStageRuns() throws -> [StageName: StageRun] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, stage, fingerprint, status, started_at, finished_at, counts, stats, message FROM stage_run
                WHERE id IN (SELECT max(id) FROM stage_run GROUP BY stage)
                """)
            var out: [StageName: StageRun] = [:]
            for r in rows {
                let stageText: String = r["stage"], statusText: String = r["status"]
                guard let stage = StageName(rawValue: stageText), let status = StageStatus(rawValue: statusText) else {
                    throw StoreError.corrupt(path: databasePath, reason: "stage_run \(r["id"] as Int64) names stage '\(stageText)' with status '\(statusText)', which this thinkedit does not know")
                }
                out[stage] = StageRun(id: r["id"], stage: stage, fingerprint: r["fingerprint"], status: status, startedAt: r["started_at"],
                                      finishedAt: r["finished_at"], counts: r["counts"], stats: r["stats"], message: r["message"])
            }
            return out
        }
    }
}
