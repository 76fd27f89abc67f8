import AsyncHTTPClient
import Foundation
import NIOCore
import ThinkEditCore

/// One HTTP request as a driver describes it.
package struct HTTPCall: Sendable {
    package var method: String
    package var url: String
    package var headers: [(String, String)]
    package var body: WireBody?
    /// A body streamed from a file instead (a batch upload of up to 200 MB).
    var bodyFile: HTTPBodyFile?
    /// The most bytes of answer body accepted; a longer answer fails with class `parse`.
    package var maxResponseBytes: Int
    /// Seconds for the whole exchange (the reliability layer also enforces its own deadline).
    package var timeout: Double

    package init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, bodyFile: HTTPBodyFile? = nil,
                maxResponseBytes: Int = 64 << 20, timeout: Double = 300) {
        self.init(method: method, url: url, headers: headers, body: body.map(WireBody.init), bodyFile: bodyFile,
                  maxResponseBytes: maxResponseBytes, timeout: timeout)
    }

    package init(method: String, url: String, headers: [(String, String)] = [], body: WireBody?, bodyFile: HTTPBodyFile? = nil,
                maxResponseBytes: Int = 64 << 20, timeout: Double = 300) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.bodyFile = bodyFile
        self.maxResponseBytes = maxResponseBytes
        self.timeout = timeout
    }
}

/// A request body read from disk as it is sent: `head`, the file's bytes, `tail` (a multipart
/// upload's framing around the file).
package struct HTTPBodyFile: Sendable {
    package var head: [UInt8]
    package var path: String
    package var tail: [UInt8]

    init(head: [UInt8], path: String, tail: [UInt8]) {
        self.head = head
        self.path = path
        self.tail = tail
    }

    /// The body's length, and its chunks: the head, the file 1 MiB at a time, the tail.
    func stream() throws -> (length: Int, chunks: FileChunks) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw HTTPTransportError.network(url: path, reason: "cannot read the file to send")
        }
        let size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        return (head.count + size + tail.count, FileChunks(head: head, handle: handle, tail: tail))
    }
}

/// The chunks of an `HTTPBodyFile`, read as the client asks for them.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let head: [UInt8]
    let handle: FileHandle
    let tail: [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        var stage = 0
        let source: FileChunks
        mutating func next() async throws -> ByteBuffer? {
            while true {
                switch stage {
                case 0:
                    stage = 1
                    if !source.head.isEmpty { return ByteBuffer(bytes: source.head) }
                case 1:
                    if let data = try source.handle.read(upToCount: 1 << 20), !data.isEmpty {
                        CrashPoint.here("http.upload.streaming")
                        return ByteBuffer(bytes: data)
                    }
                    try? source.handle.close()
                    stage = 2
                case 2:
                    stage = 3
                    if !source.tail.isEmpty { return ByteBuffer(bytes: source.tail) }
                default:
                    return nil
                }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
}

/// A `WireBody`'s pieces as the client asks for them.
struct Pieces: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffers: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { rest.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: buffers[...]) }
}

/// A complete HTTP answer.
package struct HTTPReply: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: [UInt8]

    init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    package func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// A transport failure below HTTP: the answer never arrived whole.
enum HTTPTransportError: Error, CustomStringConvertible, Sendable {
    case timeout(url: String, seconds: Double)
    case network(url: String, reason: String)
    case tooLarge(url: String, limit: Int)
    case badURL(String)

    package var description: String {
        switch self {
        case .timeout(let url, let s): return "\(url): no complete answer within \(secondsText(s)) s"
        case .network(let url, let reason): return "\(url): connection failed (\(reason)); check that the server runs and is reachable"
        case .tooLarge(let url, let limit): return "\(url): the answer is larger than \(limit) bytes, the response size limit"
        case .badURL(let url): return "\"\(url)\" is not a usable http(s) URL"
        }
    }

    func backendError(backend: String) -> BackendError {
        switch self {
        case .timeout: return BackendError(.timeout, backend: backend, description)
        case .network: return BackendError(.network, backend: backend, description)
        case .tooLarge: return BackendError(.parse, backend: backend, description)
        case .badURL: return BackendError(.badRequest, backend: backend, description)
        }
    }
}

/// The process's one HTTP client (AsyncHTTPClient, HTTP/1.1 with keep-alive and a connection pool
/// wide enough for the largest configured concurrency). Every driver sends through it.
package final class HTTPTransport: Sendable {
    /// Shared by every backend of the process. Never shut down: it lives as long as the process.
    package static let shared = HTTPTransport(connectionsPerHost: 512)

    let client: HTTPClient

    init(connectionsPerHost: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        configuration.timeout = .init(connect: .seconds(30))
        configuration.httpVersion = .http1Only
        configuration.decompression = .enabled(limit: .ratio(50))
        // No tracing: thinkedit bootstraps no tracer, and the default no-op one still costs a
        // span and its attributes on every request.
        configuration.tracing.tracer = nil
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends `call` and reads the whole answer, up to its size limit. Transport failures become
    /// `HTTPTransportError`; HTTP error statuses are returned, not thrown (drivers classify them).
    package func send(_ call: HTTPCall) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: call.url)
        request.method = .init(rawValue: call.method)
        for (name, value) in call.headers { request.headers.add(name: name, value: value) }
        if let file = call.bodyFile {
            let (length, chunks) = try file.stream()
            request.body = .stream(chunks, length: .known(Int64(length)))
        } else if let body = call.body {
            request.body = Self.requestBody(body)
        }
        // One deadline for the whole exchange, redirects followed here included.
        let deadline = NIODeadline.now() + .milliseconds(Int64(call.timeout * 1000))
        let streamed = call.body.map(Self.isStreamed) ?? false
        var response: HTTPClientResponse
        var redirects = 0
        while true {
            do {
                response = try await client.execute(request, deadline: deadline)
            } catch {
                throw map(error, call)
            }
            // The client follows redirects itself, but sends a streamed body only once: a 307 or 308
            // (which keep the method and the body) comes back here and is followed the same way,
            // up to the client's five redirects, to http(s) URLs only.
            guard streamed, response.status.code == 307 || response.status.code == 308, redirects < 5,
                  let location = response.headers.first(name: "location"),
                  let target = URL(string: location, relativeTo: URL(string: request.url))?.absoluteURL,
                  target.scheme == "http" || target.scheme == "https" else { break }
            do {
                for try await _ in response.body {}
            } catch {
                throw map(error, call)
            }
            redirects += 1
            request.url = target.absoluteString
        }
        var bytes: [UInt8] = []
        if let length = response.headers.first(name: "content-length").flatMap(Int.init) {
            if length > call.maxResponseBytes { throw HTTPTransportError.tooLarge(url: call.url, limit: call.maxResponseBytes) }
            // Room for the whole answer at once: an edit's few megabytes are not copied as the array grows.
            bytes.reserveCapacity(length)
        }
        do {
            for try await chunk in response.body {
                if bytes.count + chunk.readableBytes > call.maxResponseBytes {
                    throw HTTPTransportError.tooLarge(url: call.url, limit: call.maxResponseBytes)
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
        } catch let e as HTTPTransportError {
            throw e
        } catch {
            throw map(error, call)
        }
        return HTTPReply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
    }

    /// Sends `call` and streams a 2xx answer's body to `path` (through a temporary file renamed
    /// into place once whole). Returns the answer with an empty body, or, for any other status,
    /// with the start of its body (for the error message) and nothing written.
    package func download(_ call: HTTPCall, to path: String) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: call.url)
        request.method = .init(rawValue: call.method)
        for (name, value) in call.headers { request.headers.add(name: name, value: value) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(Int64(call.timeout * 1000)))
        } catch {
            throw map(error, call)
        }
        let status = Int(response.status.code)
        let headers = response.headers.map { ($0.name, $0.value) }
        if !(200..<300).contains(status) {
            var bytes: [UInt8] = []
            do {
                for try await chunk in response.body where bytes.count < 64 << 10 { bytes.append(contentsOf: chunk.readableBytesView) }
            } catch {
                throw map(error, call)
            }
            return HTTPReply(status: status, headers: headers, body: bytes)
        }
        let temporary = path + ".part"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let out = FileHandle(forWritingAtPath: temporary) else {
            throw HTTPTransportError.network(url: call.url, reason: "cannot write \(temporary)")
        }
        do {
            defer { try? out.close() }
            for try await chunk in response.body {
                try out.write(contentsOf: Array(chunk.readableBytesView))
                CrashPoint.here("http.download.streaming")
            }
            try out.synchronize()
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw map(error, call)
        }
        guard rename(temporary, path) == 0 else {
            throw HTTPTransportError.network(url: call.url, reason: "cannot move \(temporary) to \(path)")
        }
        return HTTPReply(status: status, headers: headers, body: [])
    }

    /// Bodies up to this size are joined into one buffer before they are sent.
    static let joinedBodyLimit = 256 << 10

    /// A body of one piece goes as it is. A larger body of several (JSON text around images'
    /// shared base64) goes piece after piece, none of them copied; a small one is joined first,
    /// because the client sends a stream of pieces with a round trip to its event loop for each,
    /// which costs more than copying a few kilobytes.
    static func requestBody(_ body: WireBody) -> HTTPClientRequest.Body {
        if body.pieces.count == 1 { return .bytes(body.pieces[0]) }
        if !isStreamed(body) {
            var joined = ByteBufferAllocator().buffer(capacity: body.count)
            for var piece in body.pieces { joined.writeBuffer(&piece) }
            return .bytes(joined)
        }
        return .stream(Pieces(buffers: body.pieces), length: .known(Int64(body.count)))
    }

    /// Whether `requestBody` sends `body` as a stream of its pieces.
    static func isStreamed(_ body: WireBody) -> Bool { body.pieces.count > 1 && body.count > joinedBodyLimit }

    private func map(_ error: any Error, _ call: HTTPCall) -> any Error {
        if error is CancellationError { return error }
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout || e == .writeTimeout { return HTTPTransportError.timeout(url: call.url, seconds: call.timeout) }
            if e == .connectTimeout { return HTTPTransportError.network(url: call.url, reason: "connect timeout") }
            if e == .invalidURL || e == .emptyHost || e == .emptyScheme {
                return HTTPTransportError.badURL(call.url)
            }
            if e == .cancelled { return CancellationError() }
        }
        return HTTPTransportError.network(url: call.url, reason: "\(error)")
    }
}
