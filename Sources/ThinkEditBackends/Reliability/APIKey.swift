import Foundation

/// An API key and where it came from. `description` names the source, never the value, so a key
/// that slips into string interpolation prints as `<key from environment variable X>`.
package struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret. Only request builders read it.
    package let value: String
    /// `environment variable OPENAI_API_KEY` or `key file /path`.
    package let source: String

    init(value: String, source: String) {
        self.value = value
        self.source = source
    }

    package var description: String { "<key from \(source)>" }
    package var debugDescription: String { description }

    /// The key named by a backend's settings: the environment variable `env` if set, else the
    /// file. Nil when neither is configured (servers without auth, e.g. a local vLLM).
    package static func resolve(backend: String, env: String?, file: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APIKey? {
        if let env {
            if let v = environment[env]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty {
                return APIKey(value: v, source: "environment variable \(env)")
            }
            if file == nil {
                throw BackendSetupError(backend: backend,
                    "the environment variable \(env) (api_key_env) is not set or empty: export it before the run, or name a key file with api_key_file")
            }
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw BackendSetupError(backend: backend, "cannot read the key file \(file) (api_key_file): check the path and its permissions")
            }
            let v = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !v.isEmpty else {
                throw BackendSetupError(backend: backend, "the key file \(file) (api_key_file) is empty")
            }
            return APIKey(value: v, source: "key file \(file)")
        }
        return nil
    }

    /// `text` with every occurrence of the key (and of its longer fragments, which some servers
    /// echo back partly masked) replaced by `<redacted>`.
    func redact(_ text: String) -> String {
        guard value.count >= 8 else { return text.replacingOccurrences(of: value, with: "<redacted>") }
        var out = text.replacingOccurrences(of: value, with: "<redacted>")
        // Servers often quote a key's head or tail ("sk-abc...wxyz"); drop any 8-character run of it.
        let chars = Array(value)
        var fragments = Set<String>()
        for start in 0...(chars.count - 8) { fragments.insert(String(chars[start..<(start + 8)])) }
        for f in fragments where out.contains(f) { out = out.replacingOccurrences(of: f, with: "<redacted>") }
        return out
    }
}

extension Optional where Wrapped == APIKey {
    func redact(_ text: String) -> String { self?.redact(text) ?? text }
}
