import GRDB
import ThinkEditCore
import ThinkEditStore

/// Work made with a settings record: how many trajectories (generate) or scored turns (score).
package struct SettingsUsage: Sendable, Hashable {
    package var id: String
    package var json: String
    package var kept: Bool
    package var trajectories: Int
    package var turns: Int
}

extension RunStore {
    /// Stores `record` unless the run has it.
    static func saveSettings(_ db: Database, _ record: SettingsRecord) throws {
        try db.execute(sql: "INSERT INTO settings(id, stage, json) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING",
                       arguments: [record.id, record.stage.rawValue, record.json])
    }

    /// Every settings record of `stage` the run holds, by id.
    func settingsRecords(stage: StageName) throws -> [String: (json: String, kept: Bool)] {
        try read { db in
            var out: [String: (json: String, kept: Bool)] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT id, json, kept FROM settings WHERE stage = ?", arguments: [stage.rawValue]) {
                out[r["id"]] = (r["json"], r["kept"])
            }
            return out
        }
    }

    /// The generate records that made the run's generated trajectories, with the trajectories and
    /// turns each made (trajectories not yet begun are counted under the record they will be made
    /// with); imported trajectories name none.
    func generateSettingsUsage() throws -> [SettingsUsage] {
        try read { db in
            try Row.decodeAll(db, sql: """
                SELECT s.id, s.json, s.kept, count(t.seq) AS trajectories,
                       coalesce(sum((SELECT count(*) FROM turn u WHERE u.trajectory = t.seq)), 0) AS turns
                FROM trajectory t JOIN settings s ON s.id = t.generate_settings
                GROUP BY s.id ORDER BY s.id
                """) { SettingsUsage(id: $0["id"], json: $0["json"], kept: $0["kept"], trajectories: $0["trajectories"], turns: $0["turns"]) }
        }
    }

    /// The score records under which the run's turns were judged (or are being judged), with the
    /// scored turns of each; scores that came with imported trajectories name none.
    func scoreSettingsUsage() throws -> [SettingsUsage] {
        try read { db in
            try Row.decodeAll(db, sql: """
                SELECT s.id, s.json, s.kept, count(DISTINCT u.trajectory) AS trajectories,
                       count(u.overall) AS turns
                FROM turn u JOIN settings s ON s.id = u.score_settings
                GROUP BY s.id ORDER BY s.id
                """) { SettingsUsage(id: $0["id"], json: $0["json"], kept: $0["kept"], trajectories: $0["trajectories"], turns: $0["turns"]) }
        }
    }

    /// Generated trajectories made with another record than `current` that `--keep` has not
    /// accepted: finished or failed ones, and pending ones that already have turns.
    func staleGeneration(current: String) throws -> (trajectories: Int, turns: Int, records: [String]) {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT t.generate_settings AS id, count(*) AS n, coalesce(sum((SELECT count(*) FROM turn u WHERE u.trajectory = t.seq)), 0) AS turns
                FROM trajectory t JOIN settings s ON s.id = t.generate_settings
                WHERE t.origin = ? AND t.generate_settings != ? AND s.kept = 0
                  AND (t.status != ? OR EXISTS (SELECT 1 FROM turn u WHERE u.trajectory = t.seq))
                GROUP BY t.generate_settings ORDER BY t.generate_settings
                """, arguments: [TrajectoryOrigin.generated, current, TrajectoryStatus.pending])
            return (rows.reduce(0) { $0 + ($1["n"] as Int) }, rows.reduce(0) { $0 + ($1["turns"] as Int) }, rows.map { $0["id"] })
        }
    }

    /// Scored turns judged under another record than `current` that `--keep` has not accepted.
    func staleScores(current: String) throws -> (trajectories: Int, turns: Int, records: [String]) {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT u.score_settings AS id, count(DISTINCT u.trajectory) AS trajectories, count(*) AS turns
                FROM turn u JOIN settings s ON s.id = u.score_settings
                WHERE u.score_settings != ? AND s.kept = 0 AND (u.sc_success IS NOT NULL OR u.pq_natural IS NOT NULL OR u.overall IS NOT NULL)
                GROUP BY u.score_settings ORDER BY u.score_settings
                """, arguments: [current])
            return (rows.reduce(0) { $0 + ($1["trajectories"] as Int) }, rows.reduce(0) { $0 + ($1["turns"] as Int) }, rows.map { $0["id"] })
        }
    }

    /// Marks records as accepted by `--keep`: their work stays, and is no longer reported stale.
    func keepSettings(_ ids: [String]) throws {
        try write { db in
            for id in ids { try db.execute(sql: "UPDATE settings SET kept = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// Makes generation's work follow `record`: with `recompute`, every generated trajectory made
    /// with another record goes back to pending with no turns; in any case, a pending trajectory
    /// begun with another record starts over (a trajectory is made by one record, never two), and
    /// every pending generated trajectory is stamped with `record` and given the editor `assign`
    /// picks. Returns the trajectories started over.
    func adoptGenerateSettings(_ record: SettingsRecord, recompute: Bool, assign: (String) -> String) throws -> Int {
        try write { db in
            try Self.saveSettings(db, record)
            let restart = recompute
                ? "t.origin = :generated AND coalesce(t.generate_settings, '') != :id"
                : "t.origin = :generated AND t.status = :pending AND coalesce(t.generate_settings, '') != :id"
            let words: StatementArguments = ["generated": TrajectoryOrigin.generated, "pending": TrajectoryStatus.pending]
            let seqs = try Int64.fetchAll(db, sql: "SELECT seq FROM trajectory t WHERE \(restart) AND (t.status != :pending OR EXISTS (SELECT 1 FROM turn u WHERE u.trajectory = t.seq))",
                                          arguments: words + ["id": record.id])
            for seq in seqs {
                try db.execute(sql: "DELETE FROM turn WHERE trajectory = ?", arguments: [seq])
                try db.execute(sql: """
                    UPDATE trajectory SET status = ?, end_reason = NULL, stop_reasoning = NULL, error_class = NULL, error_message = NULL,
                        score_error_class = NULL, score_error_message = NULL WHERE seq = ?
                    """, arguments: [TrajectoryStatus.pending, seq])
            }
            let pending = try Row.decodeAll(db, sql: """
                SELECT t.seq, t.id FROM trajectory t
                WHERE t.origin = :generated AND t.status = :pending AND NOT EXISTS (SELECT 1 FROM turn u WHERE u.trajectory = t.seq)
                  AND (coalesce(t.generate_settings, '') != :id)
                """, arguments: words + ["id": record.id]) { (seq: $0["seq"] as Int64, id: $0["id"] as String) }
            for p in pending {
                try db.execute(sql: "UPDATE trajectory SET generate_settings = ?, editor = ? WHERE seq = ?", arguments: [record.id, assign(p.id), p.seq])
            }
            if !seqs.isEmpty || !pending.isEmpty { try Self.bumpDataVersion(db) }
            return seqs.count
        }
    }

    /// Makes scoring follow `record`: with `recompute`, every judgement made under another record
    /// is cleared; in any case a turn judged in part under another record loses that part (a turn
    /// is judged under one record), and every unscored edit is stamped with `record`. Returns the
    /// turns whose judgements were cleared.
    func adoptScoreSettings(_ record: SettingsRecord, recompute: Bool) throws -> Int {
        try write { db in
            try Self.saveSettings(db, record)
            let clear = """
                sc_success = NULL, sc_overedit = NULL, semantic_reasoning = NULL, pq_natural = NULL, pq_artifacts = NULL,
                quality_reasoning = NULL, semantic = NULL, quality = NULL, overall = NULL, overall_given = NULL, score_settings = NULL
                """
            var cleared = 0
            if recompute {
                try db.execute(sql: """
                    UPDATE trajectory SET score_error_class = NULL, score_error_message = NULL
                    WHERE seq IN (SELECT trajectory FROM turn WHERE score_settings IS NOT NULL AND score_settings != ?)
                    """, arguments: [record.id])
                try db.execute(sql: "UPDATE turn SET \(clear) WHERE score_settings IS NOT NULL AND score_settings != ?", arguments: [record.id])
                cleared += db.changesCount
            }
            try db.execute(sql: """
                UPDATE turn SET \(clear) WHERE overall IS NULL AND score_settings IS NOT NULL AND score_settings != ?
                  AND (sc_success IS NOT NULL OR pq_natural IS NOT NULL)
                """, arguments: [record.id])
            cleared += db.changesCount
            try db.execute(sql: "UPDATE turn SET score_settings = ? WHERE overall IS NULL AND image IS NOT NULL AND coalesce(score_settings, '') != ?",
                           arguments: [record.id, record.id])
            if cleared > 0 { try Self.bumpDataVersion(db) }
            return cleared
        }
    }

    // MARK: - The pool's record

    /// The pool's settings record (where it came from), when the run recorded one.
    func poolSettings() throws -> (id: String, json: String)? {
        try read { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT s.id, s.json FROM run_meta m JOIN settings s ON s.id = m.value WHERE m.key = 'pool_settings'
                """) else { return nil }
            return (r["id"], r["json"])
        }
    }

    /// Records where the run's pool came from.
    func recordPoolSettings(_ record: SettingsRecord) throws {
        try write { db in
            try Self.saveSettings(db, record)
            try db.execute(sql: "INSERT INTO run_meta(key, value) VALUES ('pool_settings', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [record.id])
        }
    }

    /// `--keep` of a changed pool: the config's record is stored as accepted (kept), and the run's
    /// own record, which says where its items came from, stays.
    func keepPoolSettings(_ record: SettingsRecord) throws {
        try write { db in
            try Self.saveSettings(db, record)
            try db.execute(sql: "UPDATE settings SET kept = 1 WHERE id = ?", arguments: [record.id])
        }
    }

    /// `--recompute` of the pool: the pool and everything made from it go (generated trajectories,
    /// their turns, curation, samples, the split), so that the config's pool is imported anew.
    /// Images stay in the content-addressed store; imported trajectories stay.
    func clearPool() throws {
        try writeWithoutForeignKeyChecks { db in
            try db.execute(sql: "DELETE FROM split_member; DELETE FROM sample; DELETE FROM curation")
            try db.execute(sql: "DELETE FROM turn WHERE trajectory IN (SELECT seq FROM trajectory WHERE origin = ?)", arguments: [TrajectoryOrigin.generated])
            try db.execute(sql: "DELETE FROM trajectory WHERE origin = ?", arguments: [TrajectoryOrigin.generated])
            try db.execute(sql: "DELETE FROM pool_item; DELETE FROM run_meta WHERE key = 'pool_settings'")
            try Self.bumpDataVersion(db)
        }
    }
}
