import Foundation

/// The fake server's command line. Every fault probability is per request to a model route
/// (`/chat/completions`, `/edit`); `/health` and `/stats` never fail.
struct FakeOptions: Sendable {
    var port = 0
    var delayMs = 50
    /// Probability of answering 429 with `Retry-After: 1`.
    var fault429 = 0.0
    /// Probability of answering 500, 502 or 503.
    var fault5xx = 0.0
    /// Probability of a 200 whose body the client's parser must reject.
    var faultMalformed = 0.0
    /// Probability of holding the request for `holdMs` (longer than the client's deadline).
    var faultTimeout = 0.0
    var holdMs = 30_000
    /// Count the requests whose body the server saw before (`repeated` per kind): what a client
    /// sent twice, as a provider would bill it twice.
    var countRepeats = false
    var faultSeed: UInt64 = 1
    /// Side of the edited images `/edit` answers with: 0 for small flat 32×32 PNGs; otherwise
    /// photo-like images of that size, half PNG and half JPEG, encoded once at start.
    var imageSize = 0
    /// The Files and Batches API (`/v1/files`, `/v1/batches`): with `batchPerSecond` above 0 it
    /// runs that many requests a second in all, oldest batch first; otherwise each look at a
    /// batch moves it `batchStepsPerPoll` steps of `batchRate` requests.
    var batchPerSecond = 0
    var batchStepsPerPoll = 1
    var batchRate = 1_000

    static let usage = """
        usage: thinkedit-fake-server [--port N] [--delay-ms MS]
                                     [--fault-429 P] [--fault-5xx P] [--fault-malformed P] [--fault-timeout P]
                                     [--hold-ms MS] [--fault-seed S] [--image-size PX] [--count-repeats]
                                     [--batch-per-second N | --batch-steps-per-poll N --batch-rate N]
        A fake of the three model roles on 127.0.0.1: POST /chat/completions (expert or judge, told
        apart by the prompt), POST /edit (editthinker-http), GET /health, GET /stats.
        P is a probability from 0 to 1; the four together must not exceed 1.
        --image-size PX answers edits with photo-like PX×PX PNG and JPEG images (default: small
        flat PNGs).
        --count-repeats counts, per kind, the requests whose body it saw before ("repeated").
        The Files and Batches API (/v1/files, /v1/batches) answers batch requests as the chat
        route would. --batch-per-second N runs N requests a second in all, oldest batch first;
        otherwise each GET /v1/batches/ID moves the batch --batch-steps-per-poll steps (default
        1), answering --batch-rate requests a step (default 1000). GET /fake/batch-events lists
        the uploads, creations, cancellations and downloads it saw.
        """

    /// Parses `arguments` (without the program name); the error says which option is wrong.
    static func parse(_ arguments: [String]) throws(FakeOptionsError) -> FakeOptions {
        var o = FakeOptions()
        var it = arguments.makeIterator()
        func value(_ name: String) throws(FakeOptionsError) -> String {
            guard let v = it.next() else { throw FakeOptionsError("\(name) needs a value") }
            return v
        }
        func probability(_ name: String) throws(FakeOptionsError) -> Double {
            let text = try value(name)
            guard let p = Double(text), (0...1).contains(p) else {
                throw FakeOptionsError("\(name) takes a probability from 0 to 1, got \"\(text)\"")
            }
            return p
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(FakeOptionsError) -> Int {
            let text = try value(name)
            guard let n = Int(text), range.contains(n) else {
                throw FakeOptionsError("\(name) takes a whole number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
            }
            return n
        }
        while let a = it.next() {
            switch a {
            case "--port": o.port = try integer(a, 0...65535)
            case "--delay-ms": o.delayMs = try integer(a, 0...3_600_000)
            case "--fault-429": o.fault429 = try probability(a)
            case "--fault-5xx": o.fault5xx = try probability(a)
            case "--fault-malformed": o.faultMalformed = try probability(a)
            case "--fault-timeout": o.faultTimeout = try probability(a)
            case "--hold-ms": o.holdMs = try integer(a, 0...86_400_000)
            case "--image-size": o.imageSize = try integer(a, 16...4096)
            case "--count-repeats": o.countRepeats = true
            case "--batch-per-second": o.batchPerSecond = try integer(a, 0...10_000_000)
            case "--batch-steps-per-poll": o.batchStepsPerPoll = try integer(a, 0...1_000)
            case "--batch-rate": o.batchRate = try integer(a, 1...10_000_000)
            case "--fault-seed":
                let text = try value(a)
                guard let s = UInt64(text) else { throw FakeOptionsError("--fault-seed takes a whole number >= 0, got \"\(text)\"") }
                o.faultSeed = s
            case "--help", "-h": throw FakeOptionsError(nil)
            default: throw FakeOptionsError("unknown option \(a)")
            }
        }
        guard o.fault429 + o.fault5xx + o.faultMalformed + o.faultTimeout <= 1 else {
            throw FakeOptionsError("the fault probabilities add up to more than 1")
        }
        return o
    }
}

/// A command line the fake server cannot run with; `message` is nil for `--help`.
struct FakeOptionsError: Error, CustomStringConvertible {
    var message: String?
    init(_ message: String?) { self.message = message }
    var description: String { (message.map { "thinkedit-fake-server: \($0)\n" } ?? "") + FakeOptions.usage }
}
