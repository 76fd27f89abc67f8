import Foundation
import Hummingbird
import Logging
import Synchronization
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditImaging
import ThinkEditTestSupport

/// A request as a fake server saw it.
struct SeenRequest: Sendable {
    var method: String
    var path: String
    /// The query string, without the `?` (nil when there is none).
    var query: String? = nil
    var headers: [String: String]
    var body: [UInt8]

    var json: JSONValue? { try? JSONParser.parse(body) }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// What a fake server answers: a status, headers and a body, sent once `gate` (if any) is signalled.
struct FakeReply: Sendable {
    var status: Int = 200
    var headers: [(String, String)] = [("content-type", "application/json")]
    var body: [UInt8]
    /// Held until this event: lets a test decide when an answer leaves, instead of guessing with a delay.
    var gate: OneShotEvent?

    static func json(_ text: String, status: Int = 200, headers: [(String, String)] = []) -> FakeReply {
        FakeReply(status: status, headers: [("content-type", "application/json")] + headers, body: Array(text.utf8))
    }
}

/// What the server saw, in arrival order; tests can wait for a number of requests to arrive.
final class RequestLog: Sendable {
    /// The requests seen, and the tests waiting for a count of them (tagged with that count).
    private let queue = WaitQueue<[SeenRequest], Int>([])

    func add(_ r: SeenRequest) {
        let ready = queue.withLock { items, waiters in
            items.append(r)
            let n = items.count
            return waiters.removeAll { $0 <= n }
        }
        for w in ready { w.continuation.resume() }
    }

    var all: [SeenRequest] { queue.withLock { items, _ in items } }
    var count: Int { queue.withLock { items, _ in items.count } }

    /// Returns once at least `count` requests have arrived.
    func waitForCount(_ count: Int) async throws {
        try await queue.wait { items in items.count >= count ? .finish : .park(count) }
    }
}

/// A script of answers: the n-th request gets `replies[n]`, later ones the last entry.
final class Script: Sendable {
    private let state: Mutex<(replies: [FakeReply], next: Int)>
    init(_ replies: [FakeReply]) { state = Mutex((replies, 0)) }
    func take() -> FakeReply {
        state.withLock { s in
            let r = s.replies[min(s.next, s.replies.count - 1)]
            s.next += 1
            return r
        }
    }
}

/// An in-process HTTP server on 127.0.0.1 with a free port, speaking whatever `handler` says.
/// Every GET and POST path reaches `handler` (chat/completions under any prefix, edit, health,
/// images/edits, the hosted editors' paths).
final class FakeServer: Sendable {
    let url: String
    let log: RequestLog
    private let task: Task<Void, any Error>
    /// Signalled by `stop()`: releases every answer still held by its gate.
    private let stopping: OneShotEvent

    private init(url: String, log: RequestLog, task: Task<Void, any Error>, stopping: OneShotEvent) {
        self.url = url
        self.log = log
        self.task = task
        self.stopping = stopping
    }

    static func start(_ handler: @escaping @Sendable (SeenRequest) async -> FakeReply) async throws -> FakeServer {
        let log = RequestLog()
        let stopping = OneShotEvent()
        let router = Router(context: BasicRequestContext.self)
        let respond: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var request = request
            let buffer = try await request.collectBody(upTo: 256 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let query = request.uri.query.flatMap { $0.isEmpty ? nil : $0 }
            let seen = SeenRequest(method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
                                   body: Array(buffer.readableBytesView))
            log.add(seen)
            let reply = await handler(seen)
            if let gate = reply.gate {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await gate.wait() }
                    group.addTask { try? await stopping.wait() }
                    await group.next()
                    group.cancelAll()
                }
            }
            var fields = HTTPFields()
            for (name, value) in reply.headers {
                if let n = HTTPFields.Element.Name(name) { fields.append(HTTPFields.Element(name: n, value: value)) }
            }
            return Response(status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        }
        // Every path goes to the handler, which answers by path (one catch-all per method: a
        // catch-all beside literal routes is not reached once a literal prefix such as "v1" matched).
        router.post("**", use: respond)
        router.get("**", use: respond)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        // Stopping by cancellation races Hummingbird's own graceful close, which then logs "Server
        // shutdown error: Already closed" at error level: harmless, and not worth a line per test.
        var quiet = Logger(label: "fake-server")
        quiet.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: quiet)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await p in stream { port = p; break }
        return FakeServer(url: "http://127.0.0.1:\(port)", log: log, task: task, stopping: stopping)
    }

    /// A server answering from a fixed script, in order.
    static func scripted(_ replies: [FakeReply]) async throws -> FakeServer {
        let script = Script(replies)
        return try await start { _ in script.take() }
    }

    func stop() {
        stopping.signal()
        task.cancel()
    }
}

/// A TCP server that accepts connections and resets them (RST) after reading the request: the
/// "connection reset by peer" of a crashed or restarted server.
final class ResettingServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let accepted = Mutex(0)

    init() throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) } }
        listen(sock, 64)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        fd = sock
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in self.loop() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var connections: Int { accepted.withLock { $0 } }

    private func loop() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            accepted.withLock { $0 += 1 }
            var buffer = [UInt8](repeating: 0, count: 65536)
            _ = read(client, &buffer, buffer.count)
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            close(client)
        }
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}

/// Lines a stage logged.
typealias LineLog = Recorder<String>

/// Collects the attempts a reliability layer reports.
final class AttemptLog: AttemptObserver, Sendable {
    private let items = Recorder<AttemptReport>()
    func record(_ attempt: AttemptReport) { items.add(attempt) }
    var all: [AttemptReport] { items.all }
    var classes: [String] { all.map { $0.errorClass?.rawValue ?? "ok" } }
}

/// A small real PNG.
let testPNG: [UInt8] = {
    var pixels: [UInt8] = []
    for y in 0..<6 { for x in 0..<8 { pixels += [UInt8(x * 30), UInt8(y * 40), 128] } }
    return try! ImageCodec.encodePNG(RGBImage(width: 8, height: 6, pixels: pixels))
}()

/// A chat completions answer whose message content is `content`.
func chatAnswer(_ content: String, promptTokens: Int = 100, completionTokens: Int = 20) -> FakeReply {
    let body = JSONValue.object([
        ("id", .string("chatcmpl-1")), ("object", .string("chat.completion")),
        ("choices", .array([.object([("index", .integer(0)), ("finish_reason", .string("stop")),
                                     ("message", .object([("role", .string("assistant")), ("content", .string(content))]))])])),
        ("usage", .object([("prompt_tokens", .integer(Int64(promptTokens))), ("completion_tokens", .integer(Int64(completionTokens))),
                           ("total_tokens", .integer(Int64(promptTokens + completionTokens)))])),
    ]).canonicalText
    return .json(body)
}
