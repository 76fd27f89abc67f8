import ArgumentParser
import Foundation
import ThinkEditBackends
import ThinkEditBenchmarks

/// `thinkedit bench http`: requests per second of the chat driver at a fixed concurrency against a
/// local server with a fixed delay, against the ideal concurrency / delay. Starts
/// `thinkedit-fake-server` (built beside this binary) on 127.0.0.1 unless `--url` names a server.
struct BenchHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Measure the HTTP client: requests/s at a concurrency against a local delayed server."
    )

    @Option(help: "Requests in flight at once.") var concurrency = 64
    @Option(help: "The server's delay per request, in milliseconds.") var delayMs = 50
    @Option(help: "Requests per timed run.") var requests = 6400
    @Option(help: "Timed runs (the median is reported).") var runs = 5
    @Option(help: "Use this already running server (base URL) instead of starting thinkedit-fake-server.") var url: String?

    func run() async throws {
        let server = url == nil ? try FakeServerProcess(arguments: ["--delay-ms", String(delayMs)]) : nil
        defer { server?.stop() }
        guard let base = url ?? server?.url else { return }
        let ideal = Double(concurrency) / (Double(delayMs) / 1000)
        _ = await HTTPBenchmark.run(baseURL: base, concurrency: concurrency, requests: concurrency * 4)  // warm the connection pool
        var rates: [Double] = []
        for i in 1...runs {
            let r = await HTTPBenchmark.run(baseURL: base, concurrency: concurrency, requests: requests)
            rates.append(r.perSecond)
            print(String(format: "run %d: %d requests in %.3f s, %d failed: %.1f req/s (%.1f%% of ideal %.0f)",
                         i, r.requests, r.seconds, r.failures, r.perSecond, r.perSecond / ideal * 100, ideal))
        }
        let median = rates.sorted()[rates.count / 2]
        print(String(format: "median: %.1f req/s = %.1f%% of ideal %.0f req/s (concurrency %d, delay %d ms, %d requests x %d runs)",
                     median, median / ideal * 100, ideal, concurrency, delayMs, requests, runs))
    }
}
