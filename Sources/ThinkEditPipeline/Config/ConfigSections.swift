import Foundation
import ThinkEditCore

// The top-level sections of a config, each read from the top mapping in the order `parse` gives
// and checked where it is read (the error names the file, the line and the key).

extension PoolSettings {
    /// `pool: {path: FILE}` or `pool: {synth: {count, seed, image_size, precision}}`.
    static func read(_ top: inout ConfigReader.Mapping, reader: ConfigReader, seed: UInt64, resolve: (String) -> String) throws -> PoolSettings {
    var pool = PoolSettings(path: nil, synth: nil)
    if var p = try top.mapping("pool") {
        pool.path = try p.nonEmptyString("path").map(resolve)
        if var s = try p.mapping("synth") {
            let count = try s.required(try s.int("count", range: 1...100_000_000), "count", hint: "how many synthetic items to make")
            pool.synth = SynthPoolSettings(
                count: count,
                seed: UInt64(try s.int("seed", range: 0...Int.max) ?? Int(seed)),
                imageSize: try s.int("image_size", range: 16...4096) ?? 256)
            if var mix = try s.mapping("precision") {
                let weights = try ["precise", "ambiguous", "vague"].map { try mix.double($0, range: 0...1_000_000) ?? 0 }
                if weights.reduce(0, +) <= 0 {
                    throw reader.error(.invalidValue, mix.node, "pool.synth.precision",
                        "give a positive weight to at least one of precise, ambiguous, vague")
                }
                try mix.finish()
                pool.synth?.precisionWeights = weights
            }
            try s.finish()
        }
        if pool.path != nil && pool.synth != nil {
            throw reader.error(.invalidValue, p.node, "pool", "give either `path` or `synth`, not both")
        }
        try p.finish()
    }

        return pool
    }
}

extension TaskTaxonomy {
    /// `taxonomy: gedit | imgedit | [names]` with `task_map` aliases onto it.
    static func read(_ top: inout ConfigReader.Mapping, reader: ConfigReader) throws -> TaskTaxonomy {
    var taxonomy = TaskTaxonomy.gedit
    let aliases = try top.stringMap("task_map") ?? [:]
    if let node = top.value("taxonomy") {
        switch node {
        case .scalar(let s):
            switch s.string {
            case "gedit": taxonomy = .gedit
            case "imgedit": taxonomy = .imgedit
            default:
                throw reader.error(.invalidValue, node, "taxonomy", "unknown taxonomy \"\(s.string)\": use gedit, imgedit, or a list of task names")
            }
        default:
            taxonomy = TaskTaxonomy(tasks: try top.stringList("taxonomy") ?? [])
            if taxonomy.tasks.isEmpty {
                throw reader.error(.invalidValue, node, "taxonomy", "the task list is empty")
            }
        }
    }
    for (from, to) in aliases.sorted(by: { $0.key < $1.key }) where !taxonomy.tasks.contains(to) {
        throw reader.error(.invalidValue, top.value("task_map"), "task_map.\(from)",
            "maps onto \"\(to)\", which is not in the taxonomy (\(taxonomy.tasks.joined(separator: ", ")))")
    }
    taxonomy = TaskTaxonomy(tasks: taxonomy.tasks, aliases: aliases)

        return taxonomy
    }
}

extension ImageSettings {
    static func read(_ top: inout ConfigReader.Mapping) throws -> ImageSettings {
    var images = ImageSettings(maxPixels: 64_000_000)
    if var m = try top.mapping("images") {
        images.maxPixels = try m.int("max_pixels", range: 1...1_000_000_000) ?? images.maxPixels
        try m.finish()
    }

        return images
    }
}

extension GenerationSettings {
    static func read(_ top: inout ConfigReader.Mapping, reader: ConfigReader) throws -> GenerationSettings {
    var generation = GenerationSettings(maxTurns: 5, firstTurn: .original)
    if var g = try top.mapping("generation") {
        generation.maxTurns = try g.int("max_turns", range: 1...100) ?? 5
        if let ft = try g.string("first_turn") {
            guard let v = FirstTurn(rawValue: ft) else {
                throw reader.error(.invalidValue, g.value("first_turn"), "generation.first_turn", "must be original or rewrite, found \"\(ft)\"")
            }
            generation.firstTurn = v
        }
        try g.finish()
    }

        return generation
    }
}

extension CurationSettings {
    /// The curation dials: `stop_samples`, `keep_rewritten_prompts`, `bin_width`, `rl`, `sft`.
    static func read(_ top: inout ConfigReader.Mapping) throws -> CurationSettings {
    var curation = CurationSettings(stopSamples: true, binWidth: 1, rlMinVariance: 1.0, rlTrajectories: 10_000,
                                    sftSamples: 140_000, sftMinQuality: 7.0)
    curation.stopSamples = try top.bool("stop_samples") ?? true
    curation.keepRewrittenPrompts = try top.bool("keep_rewritten_prompts") ?? false
    curation.binWidth = try top.double("bin_width", range: 0.000001...10) ?? 1
    if var rl = try top.mapping("rl") {
        curation.rlMinVariance = try rl.double("min_variance", range: 0...100) ?? curation.rlMinVariance
        curation.rlTrajectories = try rl.int("trajectories", range: 0...100_000_000) ?? curation.rlTrajectories
        try rl.finish()
    }
    if var sft = try top.mapping("sft") {
        curation.sftSamples = try sft.int("samples", range: 0...1_000_000_000) ?? curation.sftSamples
        curation.sftMinQuality = try sft.double("min_quality", range: 0...10) ?? curation.sftMinQuality
        try sft.finish()
    }

        return curation
    }
}

extension ExportSettings {
    static func read(_ top: inout ConfigReader.Mapping, reader: ConfigReader, workdir: String, resolve: (String) -> String) throws -> ExportSettings {
    var export = ExportSettings(dir: (workdir as NSString).appendingPathComponent("export"),
                                formats: ExportFormat.allCases, maxPixels: 1024 * 1024,
                                imagePaths: .absolute, license: "unspecified", datasetName: "thinkedit")
    if var e = try top.mapping("export") {
        if let dir = try e.nonEmptyString("dir") { export.dir = resolve(dir) }
        if let names = try e.stringList("formats") {
            export.formats = try names.enumerated().map { i, name in
                guard let format = ExportFormat(rawValue: name) else {
                    throw reader.error(.invalidValue, e.value("formats"), "export.formats[\(i)]",
                        "unknown format \"\(name)\": use any of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return format
            }
        }
        export.maxPixels = try e.int("max_pixels", range: 1...1_000_000_000) ?? export.maxPixels
        if e.has("absolute_paths") {
            throw reader.error(.unknownKey, e.value("absolute_paths"), "export.absolute_paths",
                "was replaced by export.image_paths: write `image_paths: absolute` (the default) or `image_paths: relative`")
        }
        export.imagePaths = try enumValue(&e, "image_paths", path: "export", reader: reader, what: "image path form") ?? export.imagePaths
        export.license = try e.nonEmptyString("license") ?? export.license
        export.datasetName = try e.nonEmptyString("name") ?? export.datasetName
        try e.finish()
    }

        return export
    }
}

extension BudgetSettings {
    /// `budget: {usd, generate: {usd}, score: {usd}}`.
    static func read(_ top: inout ConfigReader.Mapping) throws -> BudgetSettings {
    var budget = BudgetSettings()
    if var b = try top.mapping("budget") {
        budget.run = try b.double("usd", range: 0...1_000_000_000)
        for stage in ["generate", "score"] {
            guard var s = try b.mapping(stage) else { continue }
            let cap = try s.required(try s.double("usd", range: 0...1_000_000_000), "usd", hint: "the most this stage may spend")
            if stage == "generate" { budget.generate = cap } else { budget.score = cap }
            try s.finish()
        }
        try b.finish()
    }

        return budget
    }
}
