import ThinkEditCore

/// JSON on the wire, for every driver: the request body it sends and the answer it reads.
enum WireJSON {
    /// The fields a driver sets, then the config's `extra` fields (steps, guidance, sizes...) that
    /// it does not set itself: `extra` never replaces a driver's own field.
    static func body(_ fields: [(String, JSONValue)], extra: [(String, JSONValue)]) -> [UInt8] {
        var all = fields
        for (k, v) in extra where !fields.contains(where: { $0.0 == k }) { all.append((k, v)) }
        var out = ""
        JSONValue.object(all).write(to: &out)
        return Array(out.utf8)
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
