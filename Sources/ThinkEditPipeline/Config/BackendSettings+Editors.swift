import Foundation
import ThinkEditBackends
import ThinkEditCore
import Yams

/// The keys that belong to one editor kind (docs/backends.md): read for every backend, so that an
/// unknown key is still reported as unknown, and refused on a backend of another kind.
extension BackendSettings {
    /// The kind-specific keys and the kind that takes them.
    static let editorOptionKinds: [(key: String, kind: BackendKind)] = [
        ("quality", .openaiImages), ("size", .openaiImages), ("input_fidelity", .openaiImages),
        ("prompt_upsampling", .bfl), ("output_format", .bfl), ("safety_tolerance", .bfl), ("aspect_ratio", .bfl),
        ("poll_interval_seconds", .bfl),
    ]

    /// Reads the kind-specific editor keys of `m` into `self`. Returns the keys that were given,
    /// with their nodes, for `checkEditorOptions`.
    mutating func readEditorOptions(_ m: inout ConfigReader.Mapping, reader: ConfigReader) throws -> [(String, Node)] {
        let path = m.path
        var given: [(String, Node)] = []
        for (key, _) in Self.editorOptionKinds { if let node = m.value(key) { given.append((key, node)) } }

        func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws -> E? where E.RawValue == String {
            guard let text = try m.string(key) else { return nil }
            guard let value = E(rawValue: text) else {
                throw reader.error(.invalidValue, m.value(key), "\(path).\(key)",
                    "unknown value \"\(text)\": use one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        openAIImagesOptions.quality = try choice("quality", OpenAIImageQuality.self)
        openAIImagesOptions.size = try choice("size", OpenAIImageSize.self)
        openAIImagesOptions.inputFidelity = try choice("input_fidelity", OpenAIInputFidelity.self)

        bflOptions.promptUpsampling = try m.bool("prompt_upsampling") ?? false
        bflOptions.outputFormat = try choice("output_format", BFLOutputFormat.self) ?? .png
        bflOptions.safetyTolerance = try m.int("safety_tolerance", range: 0...6)
        bflOptions.pollInterval = try m.double("poll_interval_seconds", range: 0.05...60) ?? 1
        if let ratio = try m.string("aspect_ratio") {
            guard Self.isKontextAspectRatio(ratio) else {
                throw reader.error(.invalidValue, m.value("aspect_ratio"), "\(path).aspect_ratio",
                    "\"\(ratio)\" is not an aspect ratio BFL takes: write W:H with whole numbers, between 21:9 and 9:21 (for example 16:9), or leave it out to keep the input image's")
            }
            bflOptions.aspectRatio = ratio
        }
        return given
    }

    /// `W:H` in whole numbers, between 21:9 and 9:21.
    static func isKontextAspectRatio(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else { return false }
        let r = Double(w) / Double(h)
        return r <= 21.0 / 9.0 + 1e-9 && r >= 9.0 / 21.0 - 1e-9
    }

    /// Refuses kind-specific keys on a backend of another kind, and checks what the hosted editor
    /// kinds need: a model, a key named (never held), `extra` not overriding the fields thinkedit
    /// sends itself. Sets the public base URL of bfl and gemini-image when the config gives none.
    mutating func checkEditorOptions(given: [(String, Node)], node: Node, path: String, extraNode: Node?, reader: ConfigReader) throws {
        for (key, keyNode) in given {
            let owner = Self.editorOptionKinds.first { $0.key == key }!.kind
            if kind != owner {
                throw reader.error(.invalidValue, keyNode, "\(path).\(key)", "only \(owner.rawValue) editors take \(key); this backend is kind \(kind.rawValue)")
            }
        }
        let extra = extraJSON.flatMap { try? JSONParser.parse(Array($0.utf8)) }
        func refuseInExtra(_ keys: [String], _ why: (String) -> String) throws {
            for key in keys where extra?[key] != nil {
                throw reader.error(.invalidValue, extraNode, "\(path).extra.\(key)", why(key))
            }
        }
        let sentByUs = { (key: String) in "thinkedit sends \(key) itself (the source image, the turn's instruction, the derived seed); remove it from extra" }
        let asKey = { (key: String) in "set \(key) as a key of the backend (\(key): ...), not in extra" }

        if kind.needsKey && apiKeyEnv == nil && apiKeyFile == nil {
            let variable = kind == .bfl ? "BFL_API_KEY" : "GEMINI_API_KEY"
            throw reader.error(.missing, node, "\(path).api_key_env",
                "kind \(kind.rawValue) needs a key: name the environment variable that holds it (api_key_env: \(variable)) or a key file (api_key_file)")
        }
        switch kind {
        case .bfl:
            guard let model else {
                throw reader.error(.missing, node, "\(path).model", "is required for kind bfl: one of \(BFLModel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard BFLModel(rawValue: model) != nil else {
                throw reader.error(.invalidValue, node, "\(path).model",
                    "unknown BFL model \"\(model)\": use one of \(BFLModel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            baseURL = baseURL ?? BFLEditor.defaultBaseURL
            try refuseInExtra(["prompt", "input_image", "seed"], sentByUs)
            try refuseInExtra(["prompt_upsampling", "output_format", "safety_tolerance", "aspect_ratio"], asKey)
        case .geminiImage:
            if model == nil {
                throw reader.error(.missing, node, "\(path).model", "is required for kind gemini-image (for example gemini-2.5-flash-image)")
            }
            baseURL = baseURL ?? GeminiImageEditor.defaultBaseURL
            try refuseInExtra(["contents"], sentByUs)
            for key in ["responseModalities", "seed"] where extra?["generationConfig"]?[key] != nil {
                throw reader.error(.invalidValue, extraNode, "\(path).extra.generationConfig.\(key)",
                    key == "seed" ? "thinkedit sends the derived seed itself; remove it from extra"
                                  : "thinkedit asks for TEXT and IMAGE itself; remove it from extra")
            }
        case .openaiImages:
            try refuseInExtra(["model", "prompt", "image"], sentByUs)
            try refuseInExtra(["quality", "size", "input_fidelity"], asKey)
        case .synthetic, .openai, .editthinkerHTTP:
            break
        }
        if pricePerImage > 0 && role != "editor" {
            throw reader.error(.invalidValue, node, "\(path).price.per_image", "only editors are priced per image; price a \(role) with prompt_per_million and completion_per_million")
        }
    }
}
