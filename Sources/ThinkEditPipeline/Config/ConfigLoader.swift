import Foundation
import ThinkEditBackends
import ThinkEditCore
import ThinkEditSynthetic
import Yams

extension RunConfig {
    /// Reads and checks a YAML config. `workdir` overrides the file's `workdir` (the `--workdir`
    /// option). Throws `ConfigError` naming the file, the line and the key.
    package static func load(path: String, workdir override: String? = nil) throws -> RunConfig {
        let file = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConfigError(.unreadable, file: file, line: nil, key: "", "cannot read the config file (\(reason(error))): check the path")
        }
        // Reading and decoding apart, so that a binary file is not reported as a missing one.
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(.unreadable, file: file, line: nil, key: "",
                              "the config file is not UTF-8 text: check that the path names the YAML config, and save it as UTF-8")
        }
        return try parse(text, file: file, workdir: override)
    }

    /// Parses config text as if it were the file `file` (relative paths resolve against its folder).
    package static func parse(_ text: String, file: String, workdir override: String? = nil) throws -> RunConfig {
        let reader = ConfigReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(.missing, file: file, line: nil, key: "", "the config is empty: start from pipeline-configs/demo.yaml")
            }
            root = node
        } catch let error as YamlError {
            throw ConfigError(.syntax, file: file, line: yamlLine(error), key: "", "is not valid YAML: \(yamlProblem(error))")
        }
        let folder = (file as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String { absolutePath(p, relativeTo: folder) }

        var top = try ConfigReader.Mapping(reader: reader, node: root, path: "")

        let workdir: String
        if let override {
            _ = top.value("workdir")
            workdir = absolutePath(override, relativeTo: FileManager.default.currentDirectoryPath)
        } else {
            workdir = resolve(try top.required(try top.nonEmptyString("workdir"), "workdir",
                hint: "name the run's work directory (for example `workdir: runs/demo`) or pass --workdir"))
        }
        let seed = UInt64(try top.int("seed", range: 0...Int.max) ?? 0)

        let pool = try PoolSettings.read(&top, reader: reader, seed: seed, resolve: resolve)
        let taxonomy = try TaskTaxonomy.read(&top, reader: reader)
        let images = try ImageSettings.read(&top)
        let generation = try GenerationSettings.read(&top, reader: reader)
        let curation = try CurationSettings.read(&top)
        let export = try ExportSettings.read(&top, reader: reader, workdir: workdir, resolve: resolve)
        let backends = try BackendsSettings.read(try top.mapping("backends"), reader: reader, resolve: resolve)
        let budget = try BudgetSettings.read(&top)
        // cache: the response cache's folder, or off
        var cache: String? = (workdir as NSString).appendingPathComponent("cache")
        if let text = try top.nonEmptyString("cache") {
            cache = text == "off" ? nil : resolve(text)
        }


        try top.finish()
        var config = RunConfig(file: file, workdir: workdir, seed: seed, pool: pool, taxonomy: taxonomy, images: images,
                               generation: generation, curation: curation, export: export, backends: backends)
        config.budget = budget
        config.cache = cache
        return config
    }
}

/// A key whose value is one of an enum's cases; anything else is an error that lists them.
func enumValue<E: RawRepresentable & CaseIterable>(_ m: inout ConfigReader.Mapping, _ key: String, path: String,
                                                           reader: ConfigReader, what: String, hint: String = "") throws -> E?
    where E.RawValue == String {
    guard let text = try m.nonEmptyString(key) else { return nil }
    guard let value = E(rawValue: text) else {
        throw reader.error(.invalidValue, m.value(key), "\(path).\(key)",
            "unknown \(what) \"\(text)\": use one of \(E.allCases.map(\.rawValue).joined(separator: ", "))\(hint)")
    }
    return value
}

/// Extra parameters travel as JSON; YAML scalars keep their resolved types.
func yamlToJSON(_ node: Node, reader: ConfigReader, path: String) throws -> String {
    func convert(_ node: Node, _ path: String) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if let i = node.int { return .integer(Int64(i)) }
                if let d = node.float { return .number(d) }
                if let b = node.bool { return .bool(b) }
                if node.null != nil { return .null }
            }
            return .string(s.string)
        case .sequence(let seq):
            return .array(try seq.enumerated().map { try convert($1, "\(path)[\($0)]") })
        case .mapping(let map):
            var out: [(String, JSONValue)] = []
            for (k, v) in map {
                guard let key = k.string else { throw reader.error(.wrongType, k, path, "a key must be a plain string") }
                out.append((key, try convert(v, join(path, key))))
            }
            return .object(out)
        case .alias:
            throw reader.error(.wrongType, node, path, "aliases are not supported here")
        }
    }
    return try convert(node, path).canonicalText
}

func absolutePath(_ path: String, relativeTo folder: String) -> String {
    let expanded = (path as NSString).expandingTildeInPath
    let joined = expanded.hasPrefix("/") ? expanded : (folder as NSString).appendingPathComponent(expanded)
    return (joined as NSString).standardizingPath
}

func reason(_ error: any Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
       let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
        return String(cString: strerror(code.rawValue))
    }
    if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError || ns.code == 4 { return "no such file" }
    return ns.localizedDescription
}

private func yamlLine(_ error: YamlError) -> Int? {
    switch error {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
    default: return nil
    }
}

private func yamlProblem(_ error: YamlError) -> String {
    switch error {
    case .scanner(let ctx, let problem, _, _), .parser(let ctx, let problem, _, _), .composer(let ctx, let problem, _, _):
        return ctx.map { "\(problem) (\($0.text))" } ?? problem
    default: return "\(error)"
    }
}
