import ThinkEditCore
import ThinkEditStore

/// What made a run's data, for `status` and serve's overview: the work each settings record made,
/// whether the run is mixed, and — against the config — which model stages are stale and why.
package struct SettingsStatus: Sendable {
    package var generate: [SettingsUsage]
    package var score: [SettingsUsage]
    /// Model stages whose stored work the config's settings no longer describe.
    package var stale: [Stale] = []
    /// The config's records, when a config was given.
    package var current: (generate: String, score: String)? = nil

    package struct Stale: Sendable {
        package var stage: StageName
        package var records: [String]
        package var affected: String
        package var changes: [SettingsChange]
    }

    init(store: RunStore, config: RunConfig?) throws {
        generate = try store.generateSettingsUsage()
        score = try store.scoreSettingsUsage()
        guard let config else { return }
        var ids: [StageName: String] = [:]
        for stage in [StageName.generate, .score] {
            let found = try SettingsGuard.stale(stage, config: config, store: store)
            ids[stage] = found.record.id
            guard !found.records.isEmpty else { continue }
            var keys: [SettingsChange] = []
            for c in try SettingsGuard.changes(store, stage, found.records, to: found.record).flatMap(\.changes) where !keys.contains(c) {
                keys.append(c)
            }
            stale.append(Stale(stage: stage, records: found.records, affected: found.affected, changes: keys))
        }
        current = (ids[.generate]!, ids[.score]!)
    }

    /// More than one record made the run's trajectories, or judged them.
    package var mixed: Bool { generate.count > 1 || score.count > 1 }

    package var lines: [String] {
        func list(_ usage: [SettingsUsage], _ unit: (SettingsUsage) -> String, current: String?) -> String {
            usage.isEmpty ? "none" : usage.map { u in
                "\(u.id) \(unit(u))" + (u.id == current ? " (the config's)" : u.kept ? " (kept)" : "")
            }.joined(separator: "; ")
        }
        var out = [
            "settings      generate: " + list(generate, { "\($0.trajectories) trajectories" }, current: current?.generate)
                + "; score: " + list(score, { "\($0.turns) turns" }, current: current?.score) + (mixed ? "; mixed" : ""),
        ]
        for s in stale {
            out.append("stale         \(s.stage): \(s.affected) made with \(s.records.joined(separator: ", ")); changed: "
                + s.changes.prefix(6).map(\.description).joined(separator: ", ") + (s.changes.count > 6 ? ", ..." : "")
                + " (run with --recompute or --keep)")
        }
        return out
    }

    package var json: JSONValue {
        func records(_ usage: [SettingsUsage], current: String?) -> JSONValue {
            .object(usage.map { u in
                (u.id, .object([("trajectories", .integer(Int64(u.trajectories))), ("turns", .integer(Int64(u.turns))),
                                ("kept", .bool(u.kept)), ("current", .bool(u.id == current))]))
            })
        }
        return .object([
            ("generate", records(generate, current: current?.generate)),
            ("score", records(score, current: current?.score)),
            ("mixed", .bool(mixed)),
            ("stale", .array(stale.map { s in
                .object([("stage", .string(s.stage.rawValue)), ("records", .array(s.records.map { .string($0) })),
                         ("affected", .string(s.affected)), ("changes", .array(s.changes.map { .string($0.description) }))])
            })),
        ])
    }
}
