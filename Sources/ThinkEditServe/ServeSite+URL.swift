import Foundation

extension ServeSite {
    /// A URL's query as a dictionary: `+` is a space (what an HTML form sends), `%XX` escapes
    /// are decoded, a key given twice keeps its last value, and a part that is not valid
    /// percent-encoding is kept as it is.
    package static func parameters(query: String?) -> [String: String] {
        var out: [String: String] = [:]
        for part in (query ?? "").split(separator: "&") {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            out[decode(pieces[0])] = pieces.count > 1 ? decode(pieces[1]) : ""
        }
        return out
    }

    /// A SHA-256 in lowercase hex: the only form of an image's name in a URL.
    static func isImageHash(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
