import Foundation
import Hummingbird
import ThinkEditBackends

// A local server for `thinkedit bench http`: answers POST /chat/completions with a fixed judge
// answer after --delay-ms milliseconds, and GET /health. Binds 127.0.0.1 only and prints
// "listening <port>" once it accepts connections.

var port = 0
var delayMs = 50
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--port": port = Int(arguments.next() ?? "") ?? 0
    case "--delay-ms": delayMs = Int(arguments.next() ?? "") ?? 50
    default:
        FileHandle.standardError.write(Data("usage: thinkedit-fake-server [--port N] [--delay-ms MS]\n".utf8))
        exit(2)
    }
}

let answer = Array(HTTPBenchmark.serverAnswer.utf8)
let router = Router()
let delay = UInt64(delayMs) * 1_000_000
router.post("chat/completions") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 16 << 20)
    try await Task.sleep(nanoseconds: delay)
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: answer)))
}
router.get("health") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                      onServerRunning: { channel in
                          FileHandle.standardOutput.write(Data("listening \(channel.localAddress?.port ?? 0)\n".utf8))
                      })
try await app.runService()
