import ArgumentParser
import Foundation
import ThinkEditBenchmarks

/// `thinkedit bench cache`: the response cache filled to a paper-scale run's size.
struct BenchCacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "The response cache at scale: disk per million entries, opening, lookups that hit and miss."
    )

    @Option(help: "Entries to keep (a paper-scale run makes about 2.26 million calls).") var entries = 2_500_000
    @Option(help: "Scratch folder (deleted and re-created).")
    var folder = NSTemporaryDirectory() + "thinkedit-bench-cache"
    @Option(help: "Bytes of an expert answer's JSON.") var thinkBytes = 900
    @Option(help: "Bytes of a judge answer's JSON.") var judgeBytes = 400
    @Flag(help: "Open the cache the last run filled (same --entries and --folder) instead of filling a new one.") var reuse = false

    func run() async throws {
        var bench = CacheBenchmark(entries: entries, folder: folder)
        bench.thinkBytes = thinkBytes
        bench.judgeBytes = judgeBytes
        bench.reuse = reuse
        let r = try bench.run { print($0) }
        if !reuse { print(String(format: "entries %d: kept in %.1f s; database %.1f MB (%.0f MB per million entries, images not included: they are stored once in the run)",
                     r.entries, r.fillSeconds, Double(r.databaseBytes) / 1e6, Double(r.databaseBytes) / 1e6 / (Double(r.entries) / 1e6))) }
        print(String(format: "open: %.2f s, %.1f MB of memory for the keys", r.openSeconds, Double(r.openMemoryBytes) / 1e6))
        print(String(format: "lookup (median of 1,000-lookup batches): hit %.1f µs, miss %.2f µs", r.hitNanoseconds / 1000, r.missNanoseconds / 1000))
    }
}
