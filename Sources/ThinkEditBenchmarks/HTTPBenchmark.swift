import Foundation
import Synchronization
import ThinkEditBackends
import ThinkEditCore
import ThinkEditPipeline

/// Throughput of the chat driver stack (request building, the shared HTTP client, the reliability
/// layer, answer parsing) against a server that answers every request after a fixed delay. With
/// `concurrency` requests always in flight and a delay of `d` seconds, the ideal is
/// `concurrency / d` requests per second; the ratio to it is the client's overhead.
package enum HTTPBenchmark {
    package struct Run: Sendable {
        package var requests: Int
        package var seconds: Double
        package var failures: Int
        package var perSecond: Double { Double(requests - failures) / seconds }
    }

    /// Sends `requests` judge-style chat calls to `baseURL`, `concurrency` at a time, and times them.
    package static func run(baseURL: String, concurrency: Int, requests: Int) async -> Run {
        let client = OpenAIChatClient(backend: "bench", baseURL: baseURL, model: "bench-model", key: nil, temperature: 0, maxTokens: 64,
                                      jsonMode: true,
                                      reliability: Reliability(backend: "bench", retry: RetryPolicy(maxRetries: 0), timeout: 30))
        let counter = Counter(requests)
        let start = DispatchTime.now().uptimeNanoseconds
        let failures = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var failed = 0
                    while counter.take() {
                        do {
                            _ = try await client.complete(system: "rate", user: [.text("score this edit")]) { try JudgeAnswerParser.parse($0.content) }
                        } catch {
                            failed += 1
                        }
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Run(requests: requests, seconds: seconds, failures: failures)
    }

    /// Hands out `total` tickets to the workers.
    final class Counter: Sendable {
        private let left: Mutex<Int>
        init(_ total: Int) { left = Mutex(total) }
        func take() -> Bool {
            left.withLock { left in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
        }
    }

    /// The answer a benchmark server gives: a chat completion holding a judge answer.
    static let serverAnswer: String = JSONValue.object([
        ("id", .string("bench")), ("object", .string("chat.completion")),
        ("choices", .array([.object([("index", .integer(0)), ("finish_reason", .string("stop")),
                                     ("message", .object([("role", .string("assistant")),
                                                          ("content", .string(#"{"score": [7, 8], "reasoning": "fine"}"#))]))])])),
        ("usage", .object([("prompt_tokens", .integer(20)), ("completion_tokens", .integer(10))])),
    ]).canonicalText
}
