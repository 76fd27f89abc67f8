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

    /// Parses every line with `parse`, on all cores, keeping line order.
    func parseAll<T: Sendable>(_ parse: @Sendable (UnsafeBufferPointer<UInt8>) -> Result<T, FieldError>) -> [Result<T, FieldError>] {
        let count = lines.count
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / 512))
        let results = UnsafeMutableBufferPointer<Result<T, FieldError>?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let box = UncheckedBox(results)
        let lines = self.lines
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let all = UncheckedBox(raw.bindMemory(to: UInt8.self))
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let lo = count * chunk / chunks, hi = count * (chunk + 1) / chunks
                for i in lo..<hi {
                    box.value[i] = parse(UnsafeBufferPointer(rebasing: all.value[lines[i].range]))
                }
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

