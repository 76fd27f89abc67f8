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
struct SettingsChanged: Error, CustomStringConvertible {
    package struct Part: Sendable {
        package var stage: StageName
        /// Each stale record's changes, old → new.
        package var changes: [(record: String, changes: [SettingsChange])]
        /// The work it affects, as a phrase ("80 trajectories (412 turns)").
        var affected: String
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
struct SettingsBusy: Error, CustomStringConvertible {
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
    /// A model stage's stale work: the config's record, and the work made with other records
    /// no `--keep` accepted, as a phrase.
    struct Stale {
        var record: SettingsRecord
        var records: [String]
        var affected: String
    }

    static func stale(_ stage: StageName, config: RunConfig, store: RunStore) throws -> Stale {
        if stage == .generate {
            let record = try config.generateSettings()
            let s = try store.staleGeneration(current: record.id)
            return Stale(record: record, records: s.records, affected: "\(s.trajectories) trajectories (\(s.turns) turns)")
        }
        let record = try config.scoreSettings()
        let s = try store.staleScores(current: record.id)
        return Stale(record: record, records: s.records, affected: "\(s.turns) scored turns of \(s.trajectories) trajectories")
    }

    /// Throws `SettingsChanged` when `stage`'s work is stale and the policy is to stop, and
    /// `SettingsBusy` when it would be redone or kept while batches are out; returns what is
    /// stale. Reads only.
    @discardableResult
    private static func check(_ stage: StageName, _ context: StageContext) throws -> Stale {
        let found = try stale(stage, config: context.config, store: context.store)
        guard !found.records.isEmpty else { return found }
        if context.settingsPolicy == .stop {
            throw SettingsChanged(stage: stage, changes: try changes(context.store, stage, found.records, to: found.record), affected: found.affected)
        }
        if try !context.store.openBatches(stage: stage).isEmpty { throw SettingsBusy(stage: stage, config: context.config.file) }
        return found
    }

    /// `check`, then with `--keep` the stale records are marked kept.
    private static func checkAndKeep(_ stage: StageName, _ context: StageContext) throws -> SettingsRecord {
        let found = try check(stage, context)
        if context.settingsPolicy == .keep && !found.records.isEmpty {
            try context.store.keepSettings(found.records)
            context.log("\(stage): keeping \(found.affected) made with \(found.records.joined(separator: ", ")); new work uses \(found.record.id) (the run is mixed)")
        }
        return found.record
    }

    static func checkGenerate(_ context: StageContext) throws { try check(.generate, context) }

    static func checkScore(_ context: StageContext) throws { try check(.score, context) }

    static func adoptGenerate(_ context: StageContext) throws {
        let record = try checkAndKeep(.generate, context)
        let names = context.config.backends.editors.map(\.name)
        let weights = context.config.backends.editors.map(\.weight)
        let restarted = try context.store.adoptGenerateSettings(record, recompute: context.settingsPolicy == .recompute) {
            names[Derivation.editorIndex(item: $0, weights: weights)]
        }
        if restarted > 0 { context.log("generate: \(restarted) trajectories start over with settings \(record.id)") }
    }

    static func adoptScore(_ context: StageContext) throws {
        let record = try checkAndKeep(.score, context)
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

    static func changes(_ store: RunStore, _ stage: StageName, _ ids: [String], to record: SettingsRecord) throws -> [(record: String, changes: [SettingsChange])] {
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
            let out = Self.requestsOut(stage, selecting: "DISTINCT b.id")
            return try Int64.fetchAll(db, sql: out.sql, arguments: out.arguments)
        }
    }
}
