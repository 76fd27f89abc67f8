import ArgumentParser
import Foundation

/// `thinkedit-fake-server` (built beside this binary) as a child process on a free loopback port,
/// for the benchmarks that talk HTTP. `stop()` sends SIGTERM; the server then prints its counters.
final class FakeServerProcess {
    let process: Process
    let port: Int
    private let output: FileHandle

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the server with `arguments` (`--port 0` is added) and waits for its "listening" line.
    init(arguments: [String]) throws {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let binary = me.deletingLastPathComponent().appendingPathComponent("thinkedit-fake-server")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ValidationError("cannot find \(binary.path): build it with `swift build --product thinkedit-fake-server`, or pass --url")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--port", "0"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var text = ""
        let handle = pipe.fileHandleForReading
        // Wait for the whole "listening" line, whatever the server prints before it.
        while !text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().contains(where: { $0.hasPrefix("listening ") }) {
            let data = handle.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }),
              let port = Int(line.dropFirst("listening ".count)), port > 0 else {
            process.terminate()
            throw ValidationError("thinkedit-fake-server did not report its port (it printed: \(text))")
        }
        self.process = process
        self.port = port
        output = handle
    }

    /// Stops the server and returns what it printed on the way out (its `stats {...}` line).
    @discardableResult
    func stop() -> String {
        guard process.isRunning else { return "" }
        process.terminate()
        process.waitUntilExit()
        return String(decoding: output.readDataToEndOfFile(), as: UTF8.self)
    }
}
