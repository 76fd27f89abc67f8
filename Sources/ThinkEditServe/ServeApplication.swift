import Foundation
import Hummingbird
import Logging
import ThinkEditPipeline

/// The HTTP side of `thinkedit serve`: Hummingbird routes that map each URL to a `ServeSite`
/// page. Only GET (and HEAD, answered from GET without the body) is accepted; any other method is
/// 405 before routing, so no request can reach code that writes. Unknown paths are 404.
///
///     let site = try ServeSite.open(config: config)
///     let app = ServeApplication.make(site: site, host: "127.0.0.1", port: 8080)
///     try await app.runService()
package enum ServeApplication {
    /// The router of every page; tests call it in-process through HummingbirdTesting.
    package static func router(site: ServeSite) -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: ReadOnlyMethods())
        router.get("/") { request, _ in try respond { try site.overview() } }
        router.get("/trajectories") { request, _ in try respond { try site.trajectories(parameters: ServeSite.parameters(query: request.uri.query)) } }
        router.get("/trajectory") { request, _ in try respond { try site.trajectory(id: ServeSite.parameters(query: request.uri.query)["id"]) } }
        router.get("/sample") { request, _ in try respond { try site.sample(id: ServeSite.parameters(query: request.uri.query)["id"]) } }
        router.get("/image/{hash}") { _, context in try respond { try site.image(hash: context.parameters.get("hash") ?? "") } }
        router.get("/thumb/{hash}") { _, context in try respond { try site.thumbnail(hash: context.parameters.get("hash") ?? "") } }
        router.get("/style.css") { _, _ in try respond { site.styleSheet() } }
        return router
    }

    /// The application listening on `host:port` (port 0: any free port; `onListening` gets it).
    package static func make(site: ServeSite, host: String, port: Int,
                             onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        // Hummingbird's own lines ("Server started...") would bury the one line the command prints.
        var logger = Logger(label: "thinkedit-serve")
        logger.logLevel = .warning
        return Application(router: router(site: site), configuration: .init(address: .hostname(host, port: port), serverName: "thinkedit-serve"),
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }

    static func respond(_ page: () throws -> ServeResponse) throws -> Response {
        let r = try page()
        var headers = HTTPFields()
        headers[.contentType] = r.contentType
        headers[.cacheControl] = r.contentType.hasPrefix("image/") || r.contentType.hasPrefix("text/css") ? "max-age=3600" : "no-store"
        return Response(status: .init(code: r.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: r.body)))
    }
}

/// Answers 405 (with `Allow: GET, HEAD`) to every method but GET and HEAD.
struct ReadOnlyMethods<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            var headers = HTTPFields()
            headers[.allow] = "GET, HEAD"
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(status: .methodNotAllowed, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: "thinkedit serve only reads the run: use GET.\n")))
        }
        return try await next(request, context)
    }
}

extension ServeApplication {
    /// Brings the search index up to date whenever the run changed, checking every `interval`,
    /// and asks for the overview until it shows the run as it is (`ServeSite.overview` decides
    /// when it is due), until cancelled. A failed refresh is reported once per distinct message
    /// and retried.
    package static func keepIndexing(site: ServeSite, every interval: Duration, clock: any Clock<Duration> = ContinuousClock()) async {
        var token = ""
        var lastError = ""
        while !Task.isCancelled {
            do {
                let now = try site.store.changeToken()
                if now != token {
                    try site.search.refresh(from: site.store)
                    token = now
                }
                // The overview streams every trajectory: made here rather than in a request.
                if try !site.overviewIsCurrent { _ = try site.overview() }
            } catch {
                let message = "\(error)"
                if message != lastError { FileHandle.standardError.write(Data("serve: search index: \(message)\n".utf8)) }
                lastError = message
            }
            do { try await clock.sleep(for: interval) } catch { return }
        }
    }
}

/// Why `thinkedit serve` could not run, and what to do.
package enum ServeError: Error, CustomStringConvertible {
    case cannotListen(host: String, port: Int, reason: String)

    package var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason):
            "cannot serve on \(host):\(port) (\(reason)): is the port taken (choose another, or --port 0 for any free one) or the address not one of this machine's?"
        }
    }
}
