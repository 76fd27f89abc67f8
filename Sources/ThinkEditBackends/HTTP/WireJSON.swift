import ThinkEditCore

/// JSON on the wire, for every driver: the request body it sends and the answer it reads.
enum WireJSON {
    /// `body(_:extra:)` for fields without images, in one array.
    static func body(_ fields: [(String, JSONValue)], extra: [(String, JSONValue)]) -> [UInt8] {
        body(fields.map { ($0.0, WireValue.json($0.1)) }, extra: extra).bytes
    }

    /// The answer from `place` as JSON; text that is not JSON is a malformed answer (`parse`).
    static func answer(_ body: [UInt8], from place: String, backend: String) throws -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw BackendError(.parse, backend: backend, "\(place) answered with text that is not JSON (\(error))")
        }
    }
}
