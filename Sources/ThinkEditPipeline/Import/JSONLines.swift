import Foundation

/// A JSONL file split into its non-blank lines, each with its 1-based line number.
struct JSONLines {
    let file: String
    let data: Data
    /// (line number, byte range) of every non-blank line.
    let lines: [(number: Int, range: Range<Int>)]

    init(file: String) throws {
        self.file = file
        guard let data = FileManager.default.contents(atPath: file) else {
            let exists = FileManager.default.fileExists(atPath: file)
            throw ImportError.unreadable(file: file, reason: exists ? "permission denied or not a regular file" : "no such file")
        }
        self.data = data
        var lines: [(Int, Range<Int>)] = []
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var number = 1
            let n = bytes.count
            while start <= n {
                var end = start
                while end < n && bytes[end] != 0x0a { end += 1 }
                var blank = true
                for i in start..<end where !(bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0d) {
                    blank = false
                    break
                }
                if !blank { lines.append((number, start..<end)) }
                number += 1
                start = end + 1
            }
        }
        self.lines = lines
    }

    /// Decodes every line with `decode`, on all cores, keeping line order.
    func decodeAll<T: Sendable>(_ decode: @Sendable (Data) throws -> T) -> [Result<T, any Error>] {
        let count = lines.count
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / 512))
        let results = UnsafeMutableBufferPointer<Result<T, any Error>?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let box = UncheckedBox(results)
        let data = self.data
        let lines = self.lines
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lo = count * chunk / chunks, hi = count * (chunk + 1) / chunks
            for i in lo..<hi {
                let slice = data.subdata(in: lines[i].range)
                box.value[i] = Result { try decode(slice) }
            }
        }
        return results.map { $0! }
    }
}

/// Hands a buffer to `concurrentPerform` workers that write disjoint indices.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Turns a decoding error into a sentence about the line's fields.
func describeDecodingError(_ error: any Error) -> String {
    guard let e = error as? DecodingError else { return "is not valid JSON (\(error))" }
    func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for k in keys {
            if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : ".\(k.stringValue)" }
        }
        return out
    }
    switch e {
    case .dataCorrupted(let ctx):
        if ctx.codingPath.isEmpty { return "is not valid JSON: \(ctx.debugDescription)" }
        return "field \"\(path(ctx.codingPath))\" is not valid: \(ctx.debugDescription)"
    case .typeMismatch(let type, let ctx):
        if ctx.codingPath.isEmpty { return "must be a JSON object" }
        return "field \"\(path(ctx.codingPath))\" must be \(typeName(type))"
    case .valueNotFound(let type, let ctx):
        return "field \"\(path(ctx.codingPath))\" must be \(typeName(type)), not null"
    case .keyNotFound(let key, let ctx):
        return "field \"\(path(ctx.codingPath + [key]))\" is missing"
    @unknown default:
        return "is not valid: \(e)"
    }
}

private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type, is Int64.Type: return "an integer"
    case is Double.Type: return "a number"
    case is Bool.Type: return "true or false"
    default:
        let name = String(describing: type)
        if name.hasPrefix("Array") { return "a list" }
        if name.contains("Dictionary") || name.hasSuffix("Row") { return "an object" }
        if name.contains("ScoreNumber") { return "a number" }
        return "a \(name)"
    }
}
