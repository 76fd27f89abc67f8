import Foundation
import Synchronization
import ThinkEditCore

/// The fault a request gets, if any.
enum Fault: String, Sendable, CaseIterable {
    /// 429 with `Retry-After: 1`.
    case rateLimit = "429"
    /// 500, 502 or 503.
    case server = "5xx"
    /// 200 with a body the client's parser rejects.
    case malformed
    /// The answer is held longer than the client waits.
    case timeout
}

/// Draws the fault of each model request from one seeded generator, so a run with the same seed
/// and the same request order injects the same faults. Requests arrive concurrently, so the
/// order (and hence which request gets which fault) varies; the rates do not.
final class FaultInjector: Sendable {
    private let random: Mutex<SplitMix64>
    /// Cumulative thresholds, in `Fault.allCases` order.
    private let thresholds: [(Fault, Double)]

    init(_ o: FakeOptions) {
        random = Mutex(SplitMix64(seed: o.faultSeed))
        var sum = 0.0
        var t: [(Fault, Double)] = []
        for (fault, p) in [(Fault.rateLimit, o.fault429), (.server, o.fault5xx), (.malformed, o.faultMalformed), (.timeout, o.faultTimeout)] {
            sum += p
            t.append((fault, sum))
        }
        thresholds = t
    }

    /// The fault for the next request (nil: answer properly), and a second draw the answer may
    /// use to vary how the fault looks (which 5xx, which kind of malformed body).
    func draw() -> (Fault?, UInt64) {
        let (u, variant) = random.withLock { ($0.unit(), $0.next()) }
        return (thresholds.first { u < $0.1 }?.0, variant)
    }
}

/// Counters of what the server did, by route kind (`expert`, `judge`, `edit`, `unknown`): requests
/// received, proper answers, each injected fault, and requests it refused as malformed (400). Read
/// at `GET /stats` and printed when the server is stopped.
final class ServerStats: Sendable {
    private let counts = Mutex<[String: [String: Int]]>([:])
    private let seen = Mutex<Set<String>>([])

    /// Counts `body` as `repeated` under `kind` when it came before.
    func noteRepeat(_ kind: String, _ body: [UInt8]) {
        let digest = ContentHash.sha256Hex(body)
        if !seen.withLock({ $0.insert(digest).inserted }) { add(kind, "repeated") }
    }

    func add(_ kind: String, _ what: String, _ amount: Int = 1) {
        counts.withLock { $0[kind, default: [:]][what, default: 0] += amount }
    }

    /// `{"edit": {"requests": n, "ok": n, "429": n, "request_bytes": n, "answer_bytes": n, ...}, ...,
    /// "injected": {"429": n, ...}}` (bytes: of the bodies, as received and as answered)
    /// with keys sorted, so two reads can be compared as text.
    var json: String {
        let snapshot = counts.withLock { $0 }
        var injected: [String: Int] = [:]
        for fault in Fault.allCases { injected[fault.rawValue] = snapshot.values.reduce(0) { $0 + ($1[fault.rawValue] ?? 0) } }
        func object(_ d: [String: Int]) -> JSONValue {
            .object(d.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) })
        }
        var fields = snapshot.sorted { $0.key < $1.key }.map { ($0.key, object($0.value)) }
        fields.append(("injected", object(injected)))
        return JSONValue.object(fields).canonicalText
    }
}
