#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where the client's CPU goes, for `bench generate-http`: the thread CPU time spent in each
/// category of work, summed over the process. Off unless a benchmark turns it on (then each
/// measured region costs two reads of the thread's CPU clock). Regions are synchronous code, so
/// the thread that starts one ends it. Some categories hold others (`requestBuilding` holds
/// `imagesIntoRequests`, `answerParsing` holds `imagesFromAnswers`); `exclusive` takes them apart.
package enum CPUMeter {
    package enum Category: Int, CaseIterable, Sendable {
        case requestBuilding, imagesIntoRequests, answerParsing, imagesFromAnswers, hashing, imageChecks, imageStore, database, responseCache

        package var label: String {
            switch self {
            case .requestBuilding: "request building (JSON, prompts)"
            case .imagesIntoRequests: "images into requests (base64, data URLs)"
            case .answerParsing: "answer parsing (JSON)"
            case .imagesFromAnswers: "images from answers (base64 decode, header)"
            case .hashing: "hashing (SHA-256)"
            case .imageChecks: "image checks"
            case .imageStore: "image store (files, fsync)"
            case .database: "database (SQLite)"
            case .responseCache: "response cache (keys, lookups, entries)"
            }
        }
    }

    private static let on = Atomic<Bool>(false)
    private static let totals = Mutex([Int64](repeating: 0, count: Category.allCases.count))

    /// Starts counting from zero.
    package static func start() {
        totals.withLock { $0 = [Int64](repeating: 0, count: Category.allCases.count) }
        on.store(true, ordering: .relaxed)
    }

    package static func stop() { on.store(false, ordering: .relaxed) }

    @inline(__always)
    package static func measure<T>(_ category: Category, _ body: () throws -> T) rethrows -> T {
        guard on.load(ordering: .relaxed) else { return try body() }
        let start = threadNanoseconds()
        defer {
            let spent = threadNanoseconds() - start
            totals.withLock { $0[category.rawValue] += spent }
        }
        return try body()
    }

    /// Seconds in each category, each without the categories it holds.
    package static func exclusive() -> [(Category, Double)] {
        let t = totals.withLock { $0 }.map { Double($0) / 1e9 }
        return Category.allCases.map { c in
            switch c {
            case .requestBuilding: (c, t[c.rawValue] - t[Category.imagesIntoRequests.rawValue])
            case .answerParsing: (c, t[c.rawValue] - t[Category.imagesFromAnswers.rawValue])
            default: (c, t[c.rawValue])
            }
        }
    }

    private static func threadNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
