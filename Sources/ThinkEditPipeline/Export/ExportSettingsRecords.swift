import ThinkEditCore
import ThinkEditStore

/// The settings records behind an export (SPEC §4.4): `settings.json` holds every record its
/// samples name, in full, and the dataset card describes each with the samples it made, from what
/// the run stored rather than from the current config. More than one record of a stage means the
/// data is mixed (`--keep`), and the card says so.
struct ExportSettingsRecords {
    static let fileName = "settings.json"

    private let generate: [String: JSONValue]
    private let score: [String: JSONValue]

    init(store: RunStore) throws {
        func parsed(_ stage: StageName) throws -> [String: JSONValue] {
            try store.settingsRecords(stage: stage).compactMapValues { try? JSONParser.parse($0.json) }
        }
        generate = try parsed(.generate)
        score = try parsed(.score)
    }

    /// `{"generate": {ID: record}, "score": {ID: record}}` for the records `rows` name, canonical.
    func settingsFile(_ rows: [ExportSampleRow]) -> String {
        func records(_ ids: Set<String>, _ all: [String: JSONValue]) -> JSONValue {
            .object(ids.sorted().map { ($0, all[$0] ?? (($0 == SampleSettings.imported) ? .string("data from trajectories import") : .null)) })
        }
        let value = JSONValue.object([
            ("generate", records(Set(rows.map(\.settings.generate)), generate)),
            ("score", records(Set(rows.map(\.settings.score)), score)),
        ])
        return value.canonicalText + "\n"
    }

    /// The card's lines on what made the data: each record with its sample count.
    func cardLines(_ rows: [ExportSampleRow]) -> [(String, String)] {
        func line(_ stage: String, _ key: KeyPath<SampleSettings, String>, _ all: [String: JSONValue], describe: (JSONValue) -> String) -> (String, String) {
            var counts: [String: Int] = [:]
            for r in rows { counts[r.settings[keyPath: key], default: 0] += 1 }
            let parts = counts.keys.sorted().map { id -> String in
                let what = id == SampleSettings.imported ? "data from trajectories import" : all[id].map(describe) ?? "record missing from the run"
                return "`\(id)` (\(counts[id]!) samples): \(what)"
            }
            let label = counts.count > 1 ? "\(stage) settings (mixed: \(counts.count) records)" : "\(stage) settings"
            return (label, parts.isEmpty ? "none" : parts.joined(separator: "; "))
        }
        return [
            line("generate", \.generate, generate, describe: Self.describeGenerate),
            line("score", \.score, score, describe: Self.describeScore),
        ]
    }

    private static func text(_ v: JSONValue?) -> String {
        switch v {
        case .string(let s)?: return s
        case nil: return "?"
        case let other?: return other.canonicalText
        }
    }

    private static func backend(_ v: JSONValue?) -> String {
        guard let v else { return "?" }
        var out = text(v["kind"])
        if let model = v["model"] { out += " `\(text(model))`" }
        if case .object(let prompts)? = v["prompts"] {
            out += ", prompts " + prompts.map { "\($0.0) sha256 \(text($0.1).prefix(12))" }.joined(separator: ", ")
        }
        if case .object(let world)? = v["world"], !world.isEmpty { out += ", dials \(v["world"]!.canonicalText)" }
        return out
    }

    private static func describeGenerate(_ v: JSONValue) -> String {
        if v["recorded"] != nil { return "made before thinkedit recorded settings" }
        var editors: [String] = []
        if case .array(let list)? = v["editors"] {
            editors = list.map { "`\(text($0["name"]))` \(backend($0)) weight \(text($0["weight"]))" }
        }
        return "max_turns \(text(v["max_turns"])), first_turn \(text(v["first_turn"])), seed \(text(v["seed"])), expert \(backend(v["expert"])), editors "
            + editors.joined(separator: ", ")
    }

    private static func describeScore(_ v: JSONValue) -> String {
        if v["recorded"] != nil { return "judged before thinkedit recorded settings" }
        return "judge \(backend(v["judge"]))" + (v["seed"].map { ", seed \(text($0))" } ?? "")
    }
}
