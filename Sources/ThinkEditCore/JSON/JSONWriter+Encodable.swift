import Foundation

extension JSONWriter {
    /// A Codable value as compact JSON text with its keys sorted, so equal values give equal bytes:
    /// the one place thinkedit configures a `JSONEncoder` (stage statistics, the split settings in
    /// the split's fingerprint, the synthetic world's ground truth in a pool row's `meta`). Text
    /// whose key order we promise is written with a `JSONWriter` instead.
    ///
    /// `escapingSlashes`: whether `/` is written `\/` (the encoder's default). The stored stage
    /// statistics have always escaped it and can hold a `/` (task names of a custom taxonomy are
    /// free text), so they keep it; the synthetic ground truth has always been written without
    /// (it holds enum names and numbers only).
    package static func encode(_ value: some Encodable, escapingSlashes: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = escapingSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
