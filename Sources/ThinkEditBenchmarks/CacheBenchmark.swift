import Foundation
import ThinkEditCore
import ThinkEditStore

/// `thinkedit bench cache`: the response cache at scale. Fills a fresh cache with `entries`
/// answers in a paper-scale run's proportions (per 2.26 million calls: 0.59 million edits, 0.50
/// million expert answers, 1.17 million judge answers) and answer sizes given in bytes, then
/// measures what the cache costs: bytes on disk per million entries (the images are not in it:
/// they are the run's, stored once), the time to open it (every key's first 8 bytes read into
/// memory) and its memory, and the median time of a lookup that hits and of one that misses.
package struct CacheBenchmark {
    package var entries: Int
    package var folder: String
    /// Bytes of an expert answer's JSON (reasoning and instruction), of a judge answer's, and of
    /// an edit's (what the editor reported; its image is named, not held).
    package var thinkBytes = 900
    package var judgeBytes = 400
    var editBytes = 90
    package var lookups = 200_000
    /// Open the cache the last run filled instead of filling a new one (a fresh process, so that
    /// the memory the keys take is measured apart from the filling's).
    package var reuse = false

    package init(entries: Int, folder: String) {
        self.entries = entries
        self.folder = folder
    }

    package struct Result: Sendable {
        package var entries: Int
        package var fillSeconds: Double
        package var databaseBytes: Int
        package var openSeconds: Double
        package var openMemoryBytes: Int
        package var hitNanoseconds: Double
        package var missNanoseconds: Double
    }

    static func key(_ i: Int) -> [UInt8] {
        var h = ContentHash.Fields()
        h.add("bench")
        h.add(Int64(i))
        return h.finish()
    }

    func entry(_ i: Int) -> ResponseCache.Entry {
        // Of every 226 calls: 59 edits, 50 expert answers, 117 judge answers.
        let slot = i % 226
        func text(_ n: Int) -> String { String(repeating: "x", count: max(0, n - 40)) }
        if slot < 59 {
            let image = ImageRecord(hash: ContentHash.sha256Hex("image \(i)"), format: .png, width: 1024, height: 1024, bytes: 1_400_000)
            return ResponseCache.Entry(kind: .edit, answer: #"{"executed_prompt":"\#(text(editBytes))","executed_seed":\#(i)}"#, image: image)
        }
        if slot < 109 { return ResponseCache.Entry(kind: .think, answer: #"{"instruction":"x","reasoning":"\#(text(thinkBytes))","satisfied":false}"#) }
        return ResponseCache.Entry(kind: .judgeSemantic, answer: #"{"reasoning":"\#(text(judgeBytes))","scores":[7,8]}"#)
    }

    package func run(log: (String) -> Void) throws -> Result {
        var fill = 0.0
        if !reuse {
            try? FileManager.default.removeItem(atPath: folder)
            let start = DispatchTime.now().uptimeNanoseconds
            let cache = try ResponseCache.open(folder: folder)
            for i in 0..<entries {
                try cache.save(Self.key(i), entry(i))
                if i % 500_000 == 499_999 { log("  \(i + 1) entries kept") }
            }
            cache.flush()
            fill = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        var bytes = 0
        for name in ["responses.sqlite", "responses.sqlite-wal"] {
            bytes += ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + name))?[.size] as? Int) ?? 0
        }
        let before = residentBytes()
        let openStart = DispatchTime.now().uptimeNanoseconds
        let reopened = try ResponseCache.open(folder: folder)
        let open = Double(DispatchTime.now().uptimeNanoseconds - openStart) / 1e9
        let memory = residentBytes() - before
        // Hits on entries without an image (an edit's is checked against its file, which this
        // benchmark does not write), misses on keys never kept.
        var rng = SplitMix64(seed: 11)
        var hitKeys: [[UInt8]] = []
        while hitKeys.count < lookups && entries > 59 {
            let i = Int(rng.next() % UInt64(entries))
            if i % 226 >= 59 { hitKeys.append(Self.key(i)) }
        }
        let missKeys = (0..<lookups).map { Self.key(entries + $0) }
        func time(_ keys: [[UInt8]], expectHit: Bool) throws -> Double {
            var samples: [Double] = []
            for chunk in stride(from: 0, to: keys.count, by: 1000) {
                let t = DispatchTime.now().uptimeNanoseconds
                for k in keys[chunk..<min(keys.count, chunk + 1000)] {
                    let found = try reopened.lookup(k)
                    precondition((found != nil) == expectHit, "a lookup found what it should not, or missed what it should find")
                }
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1000)
            }
            samples.sort()
            return samples[samples.count / 2]
        }
        let hit = hitKeys.isEmpty ? 0 : try time(hitKeys, expectHit: true)
        let miss = try time(missKeys, expectHit: false)
        return Result(entries: entries, fillSeconds: fill, databaseBytes: bytes, openSeconds: open, openMemoryBytes: memory,
                      hitNanoseconds: hit, missNanoseconds: miss)
    }

    private func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}
