import AsyncHTTPClient
import Foundation

/// One HTTP request as a driver describes it.
package struct HTTPCall: Sendable {
    package var method: String
    package var url: String
    package var headers: [(String, String)]
    package var body: [UInt8]?
    /// The most bytes of answer body accepted; a longer answer fails with class `parse`.
    package var maxResponseBytes: Int
    /// Seconds for the whole exchange (the reliability layer also enforces its own deadline).
    package var timeout: Double

    package init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                maxResponseBytes: Int = 64 << 20, timeout: Double = 300) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.maxResponseBytes = maxResponseBytes
        self.timeout = timeout
    }
}

/// A complete HTTP answer.
package struct HTTPReply: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: [UInt8]

    package init(status: Int, headers: [(String, String)], body: [UInt8]) {
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
package enum HTTPTransportError: Error, CustomStringConvertible, Sendable {
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

    package init(connectionsPerHost: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        configuration.timeout = .init(connect: .seconds(30))
        configuration.httpVersion = .http1Only
        configuration.decompression = .enabled(limit: .ratio(50))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends `call` and reads the whole answer, up to its size limit. Transport failures become
    /// `HTTPTransportError`; HTTP error statuses are returned, not thrown (drivers classify them).
    package func send(_ call: HTTPCall) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: call.url)
        request.method = .init(rawValue: call.method)
        for (name, value) in call.headers { request.headers.add(name: name, value: value) }
        if let body = call.body {
            request.body = .bytes(body)
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(Int64(call.timeout * 1000)))
        } catch {
            throw map(error, call)
        }
        var bytes: [UInt8] = []
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > call.maxResponseBytes {
            throw HTTPTransportError.tooLarge(url: call.url, limit: call.maxResponseBytes)
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
