/// Which header carries an OpenAI-style backend's key (`auth_header`). Only request builders use
/// it; the key itself never leaves `APIKey`.
package enum AuthHeader: String, Sendable, Hashable, CaseIterable {
    /// `Authorization: Bearer KEY`: OpenAI, Gemini's OpenAI endpoint, vLLM, SGLang, Azure's v1 API.
    case bearer
    /// `api-key: KEY`: Azure OpenAI (its deployments URLs need it; its v1 API takes either).
    case apiKey = "api-key"

    /// The header a base URL implies when the config does not name one: `api-key` for Azure (an
    /// `api-version` query or an `*.openai.azure.com` host), bearer otherwise.
    package static func implied(by baseURL: String) -> AuthHeader {
        let head = baseURL.split(separator: "?", maxSplits: 1).first.map(String.init) ?? baseURL
        let afterScheme = head.components(separatedBy: "://").dropFirst().first ?? head
        let host = afterScheme.split(separator: "/").first.map { String($0.split(separator: ":").first ?? $0) } ?? ""
        return baseURL.contains("api-version=") || host.lowercased().hasSuffix(".openai.azure.com") ? .apiKey : .bearer
    }

    /// The header field that carries `key`.
    func field(_ key: APIKey) -> (String, String) {
        switch self {
        case .bearer: return ("authorization", "Bearer \(key.value)")
        case .apiKey: return ("api-key", key.value)
        }
    }
}
