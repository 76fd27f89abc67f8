import Foundation
import ThinkEditCore
import ThinkEditStore

/// What a model stage does when the config's settings differ from those of the work already
/// stored (SPEC §2.8): stop before any call (the default), redo the stage and everything after it,
/// or keep the old work and make new work with the new settings (the run is then mixed).
package enum SettingsPolicy: String, Sendable, Hashable, CaseIterable {
    case stop
    case recompute
    case keep
}

/// Model stages whose config differs from the settings of their stored work, found before any
/// call: each with its changed keys and the work it affects.
package struct SettingsChanged: Error, CustomStringConvertible {
    package struct Part: Sendable {
        package var stage: StageName
        /// Each stale record's changes, old → new.
        package var changes: [(record: String, changes: [SettingsChange])]
        /// The work it affects, as a phrase ("80 trajectories (412 turns)").
        package var affected: String
    }

    package var parts: [Part]

    init(stage: StageName, changes: [(record: String, changes: [SettingsChange])], affected: String) {
        parts = [Part(stage: stage, changes: changes, affected: affected)]
    }

    init(_ all: [SettingsChanged]) { parts = all.flatMap(\.parts) }

    /// The first stage that changed.
    package var stage: StageName { parts[0].stage }

    package var description: String {
        var lines: [String] = []
        for part in parts {
            lines.append("\(part.stage): the config's \(part.stage) settings differ from those that made \(part.affected) of this run; nothing was sent.")
            for (record, changes) in part.changes {
                if record.hasSuffix("-unrecorded") {
                    lines.append("  that work was made before thinkedit recorded settings, so whether they changed is unknown")
                    continue
                }
                lines.append("  changed since \(record):")
                for c in changes.prefix(40) { lines.append("    \(c)") }
                if changes.count > 40 { lines.append("    ... and \(changes.count - 40) more keys") }
            }
        }
        lines.append("Run the same command again with one of (docs/operations.md, \"Changing settings\"):")
        lines.append("  --recompute   redo \(parts.map(\.stage.rawValue).joined(separator: " and ")) and every stage after; answers in the response cache are not paid again")
        lines.append("  --keep        keep that work and make new work with the new settings (the run is then mixed)")
        lines.append("or put the old settings back in the config.")
        return lines.joined(separator: "\n")
    }
}

/// A change of settings that cannot be taken while batches are out.
package struct SettingsBusy: Error, CustomStringConvertible {
    var stage: StageName
    var config: String
    package var description: String {
        "\(stage): the settings changed while the stage has requests out in batches; wait for them (thinkedit batches \(config)) or cancel them (thinkedit batches \(config) --cancel), then run again with --recompute or --keep"
    }
}

/// The settings checks of the model stages, one function per stage. `check` reads only, and says
/// whether the stage may go on as the policy is (`run` checks every stage before any calls);
/// `adopt` then makes the stored work follow the config.
enum SettingsGuard {
    // MARK: - generate

    static func checkGenerate(_ context: StageContext) throws {
        let record = try context.config.generateSettings()
        let stale = try context.store.staleGeneration(current: record.id)
        guard !stale.records.isEmpty else { return }
        if context.settingsPolicy == .stop {
            throw SettingsChanged(stage: .generate, changes: try changes(context.store, .generate, stale.records, to: record),
                                  affected: "\(stale.trajectories) trajectories (\(stale.turns) turns)")
        }
        if try !context.store.openBatches(stage: .generate).isEmpty { throw SettingsBusy(stage: .generate, config: context.config.file) }
    }

    static func adoptGenerate(_ context: StageContext) throws {
        try checkGenerate(context)
        let record = try context.config.generateSettings()
        let stale = try context.store.staleGeneration(current: record.id)
        if context.settingsPolicy == .keep && !stale.records.isEmpty {
            try context.store.keepSettings(stale.records)
            context.log("generate: keeping \(stale.trajectories) trajectories made with \(stale.records.joined(separator: ", ")); new work uses \(record.id) (the run is mixed)")
        }
        let names = context.config.backends.editors.map(\.name)
        let weights = context.config.backends.editors.map(\.weight)
        let restarted = try context.store.adoptGenerateSettings(record, recompute: context.settingsPolicy == .recompute) {
            names[Derivation.editorIndex(item: $0, weights: weights)]
        }
        if restarted > 0 { context.log("generate: \(restarted) trajectories start over with settings \(record.id)") }
    }

    // MARK: - score

    static func checkScore(_ context: StageContext) throws {
        let record = try context.config.scoreSettings()
        let stale = try context.store.staleScores(current: record.id)
        guard !stale.records.isEmpty else { return }
        if context.settingsPolicy == .stop {
            throw SettingsChanged(stage: .score, changes: try changes(context.store, .score, stale.records, to: record),
                                  affected: "\(stale.turns) scored turns of \(stale.trajectories) trajectories")
        }
        if try !context.store.openBatches(stage: .score).isEmpty { throw SettingsBusy(stage: .score, config: context.config.file) }
    }

    static func adoptScore(_ context: StageContext) throws {
        try checkScore(context)
        let record = try context.config.scoreSettings()
        let stale = try context.store.staleScores(current: record.id)
        if context.settingsPolicy == .keep && !stale.records.isEmpty {
            try context.store.keepSettings(stale.records)
            context.log("score: keeping \(stale.turns) turns judged with \(stale.records.joined(separator: ", ")); new judgements use \(record.id) (the run is mixed)")
        }
        let cleared = try context.store.adoptScoreSettings(record, recompute: context.settingsPolicy == .recompute)
        if cleared > 0 { context.log("score: \(cleared) turns to judge again with settings \(record.id)") }
    }

    // MARK: - pool

    /// How the run's pool stands against the config's.
    enum PoolState {
        /// Nothing to do: no pool yet, none in the config, or the same settings.
        case same
        /// The run has no record (made before records, or by another command): the config's is taken.
        case unrecorded(SettingsRecord)
        /// A synthetic pool grew: its new items are simply added.
        case grown(SettingsRecord, from: Int)
        /// Anything else.
        case changed(SettingsRecord, [SettingsChange], items: Int)
    }

    static func poolState(_ context: StageContext) throws -> PoolState {
        guard let current = context.config.poolSettings() else { return .same }
        let items = try context.store.poolCount()
        guard items > 0 else { return .same }
        guard let recorded = try context.store.poolSettings() else { return .unrecorded(current) }
        if recorded.id == current.id { return .same }
        if try context.store.settingsRecords(stage: .pool)[current.id]?.kept == true { return .same }
        let old = (try? JSONParser.parse(recorded.json)) ?? .null
        let changes = SettingsRecord.changes(from: old, to: current.value)
        if changes.count == 1, changes[0].key == "synth.count", let from = Int(changes[0].old), let to = Int(changes[0].new), to > from {
            return .grown(current, from: from)
        }
        return .changed(current, changes, items: items)
    }

    static func checkPool(_ context: StageContext) throws {
        guard case .changed(_, let changes, let items) = try poolState(context), context.settingsPolicy == .stop else { return }
        let recorded = try context.store.poolSettings()?.id ?? "?"
        throw SettingsChanged(stage: .pool, changes: [(recorded, changes)], affected: "the \(items) pool items")
    }

    private static func changes(_ store: RunStore, _ stage: StageName, _ ids: [String], to record: SettingsRecord) throws -> [(record: String, changes: [SettingsChange])] {
        let stored = try store.settingsRecords(stage: stage)
        return ids.map { id in
            let old = stored[id].flatMap { try? JSONParser.parse($0.json) } ?? .null
            return (id, SettingsRecord.changes(from: old, to: record.value))
        }
    }
}

extension RunStore {
    /// Batches of `stage` not yet done (requests out, or answers not yet read).
    func openBatches(stage: StageName) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: """
                SELECT DISTINCT b.id FROM batch b JOIN batch_request r ON r.batch = b.id
                WHERE b.stage = ? AND b.state <> 'done' AND r.state = 'sent'
                """, arguments: [stage.rawValue])
        }
    }
}
