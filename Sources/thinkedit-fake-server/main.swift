import Foundation
import Hummingbird
import ThinkEditBackends
import ThinkEditCore
import ThinkEditFakeBatches

// A fake of the three model roles for benchmarks and fault runs (127.0.0.1 only): the expert and
// the judge behind POST /chat/completions (also under /v1), the editthinker-http editor behind
// POST /edit, GET /health, and GET /stats with what it answered and injected. Prints
// "listening <port>" once it accepts connections, and its counters ("stats {...}") on SIGTERM or
// SIGINT before it exits.

let options: FakeOptions
do {
    options = try FakeOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data(error.description.utf8))
    exit(error.message == nil ? 0 : 2)
}

let stats = ServerStats()
// The answer images, encoded before the first request.
let editedImages = FakeModels.editedImages(size: options.imageSize)
let faults = FaultInjector(options)
let delay = UInt64(options.delayMs) * 1_000_000
let hold = UInt64(options.holdMs) * 1_000_000

/// Applies the drawn fault, or waits the model's delay and answers with `proper()`.
@Sendable func serve(_ kind: FakeModels.Kind, malformed: (UInt64) -> FakeReply, proper: () -> FakeReply) async throws -> FakeReply {
    let (fault, variant) = faults.draw()
    switch fault {
    case .rateLimit?:
        stats.add(kind.rawValue, Fault.rateLimit.rawValue)
        var reply = FakeReply.error(429, "rate limit reached (injected by thinkedit-fake-server)", type: "rate_limit_exceeded")
        reply.headers.append(("retry-after", "1"))
        return reply
    case .server?:
        stats.add(kind.rawValue, Fault.server.rawValue)
        try await Task.sleep(nanoseconds: delay)
        let status = [500, 502, 503][Int(variant % 3)]
        return .error(status, "the model server failed (injected \(status))", type: "server_error")
    case .malformed?:
        stats.add(kind.rawValue, Fault.malformed.rawValue)
        try await Task.sleep(nanoseconds: delay)
        return malformed(variant)
    case .timeout?:
        stats.add(kind.rawValue, Fault.timeout.rawValue)
        try await Task.sleep(nanoseconds: hold)
        return proper()
    case nil:
        try await Task.sleep(nanoseconds: delay)
        stats.add(kind.rawValue, "ok")
        return proper()
    }
}

func response(_ reply: FakeReply) -> Response {
    var fields = HTTPFields()
    for (name, value) in reply.headers {
        if let n = HTTPFields.Element.Name(name) { fields.append(HTTPFields.Element(name: n, value: value)) }
    }
    return Response(status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
}

let router = Router()
let chat: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
    let body = Array(try await request.body.collect(upTo: 256 << 20).readableBytesView)
    switch FakeModels.readChat(body) {
    case .failure(let refusal):
        stats.add("unknown", "requests")
        stats.add("unknown", "refused")
        return response(refusal)
    case .success(let chat):
        let kind = chat.kind
        stats.add(kind.rawValue, "requests")
        stats.add(kind.rawValue, "request_bytes", body.count)
        if options.countRepeats { stats.noteRepeat(kind.rawValue, body) }
        let reply = try await serve(kind, malformed: { FakeModels.malformedChat(chat, kind: kind, variant: $0) }) {
            FakeModels.completion(kind == .expert ? FakeModels.expertContent(chat) : FakeModels.judgeContent(chat), for: chat)
        }
        stats.add(kind.rawValue, "answer_bytes", reply.body.count)
        return response(reply)
    }
}
router.post("chat/completions", use: chat)
router.post("v1/chat/completions", use: chat)
router.post("edit") { request, _ -> Response in
    let body = Array(try await request.body.collect(upTo: 256 << 20).readableBytesView)
    stats.add("edit", "requests")
    stats.add("edit", "request_bytes", body.count)
    if options.countRepeats { stats.noteRepeat("edit", body) }
    switch FakeModels.readEdit(body) {
    case .failure(let refusal):
        stats.add("edit", "refused")
        return response(refusal)
    case .success(let ask):
        if ask.enhance { stats.add("edit", "enhanced") }
        let reply = try await serve(.edit, malformed: { FakeModels.malformedEdit(variant: $0) }) {
            FakeModels.editAnswer(ask, images: editedImages)
        }
        stats.add("edit", "answer_bytes", reply.body.count)
        return response(reply)
    }
}
// The Files and Batches API: each batch request is answered as the chat route answers it (no
// faults, no delay: the batch's pace is the service's).
let batches = FakeBatchService(rate: options.batchRate, stepsPerPoll: options.batchPerSecond > 0 ? 0 : options.batchStepsPerPoll) { _, body in
    switch FakeModels.readChat(Array(body.canonicalText.utf8)) {
    case .failure(let refusal):
        return .init(status: refusal.status, body: (try? JSONParser.parse(refusal.body)) ?? .null)
    case .success(let chat):
        stats.add(chat.kind.rawValue, "batched")
        let reply = FakeModels.completion(chat.kind == .expert ? FakeModels.expertContent(chat) : FakeModels.judgeContent(chat), for: chat)
        return .init(status: reply.status, body: (try? JSONParser.parse(reply.body)) ?? .null)
    }
}
if options.batchPerSecond > 0 {
    // A tenth of the capacity every 100 ms, with what was not used carried over in whole requests.
    Task {
        let start = ContinuousClock.now
        var done = 0.0
        var ticks = 0
        while true {
            ticks += 1
            try await Task.sleep(until: start + .milliseconds(100 * ticks), clock: .continuous)
            done += Double(options.batchPerSecond) / 10
            let budget = Int(done)
            done -= Double(batches.work(budget: budget))
            if done > Double(options.batchPerSecond) { done = Double(options.batchPerSecond) }
        }
    }
}
let batchRoute: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
    let body = Array(try await request.body.collect(upTo: 1 << 30).readableBytesView)
    var headers: [String: String] = [:]
    for field in request.headers { headers[field.name.canonicalName] = field.value }
    let query = request.uri.query.flatMap { $0.isEmpty ? nil : "?" + $0 } ?? ""
    let reply = batches.handle(method: request.method.rawValue, path: request.uri.path + query, headers: headers, body: body)
    return response(FakeReply(status: reply.status, headers: [("content-type", reply.contentType)], body: reply.body))
}
for path in ["v1/files", "v1/files/**", "v1/batches", "v1/batches/**"] {
    router.get(RouterPath(path), use: batchRoute)
    router.post(RouterPath(path), use: batchRoute)
}
router.get("fake/batch-events") { _, _ -> Response in
    let events = batches.events.map { e -> JSONValue in .object([("kind", .string("\(e.kind)")), ("id", .string(e.id))]) }
    return response(.json(.array(events)))
}
router.get("health") { _, _ -> Response in
    response(.json(.object([("status", .string("ok"))])))
}
router.get("stats") { _, _ -> Response in
    response(FakeReply(status: 200, body: Array(stats.json.utf8)))
}

// Held "timeout" requests would keep a graceful shutdown waiting for minutes; print and leave.
let signalQueue = DispatchQueue(label: "thinkedit-fake-server.signals")
let signalSources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: signalQueue)
    source.setEventHandler {
        FileHandle.standardOutput.write(Data("stats \(stats.json)\n".utf8))
        exit(0)
    }
    source.resume()
    return source
}

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: options.port)),
                      onServerRunning: { channel in
                          FileHandle.standardOutput.write(Data("listening \(channel.localAddress?.port ?? 0)\n".utf8))
                      })
try await app.runService(gracefulShutdownSignals: [])
