import ArgumentParser
import Foundation
import ThinkEditPipeline
import ThinkEditServe

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Browse the run live in a web browser (reads only; safe while a stage runs).",
        discussion: "Serves http://HOST:PORT/ until Ctrl-C: the overview, a filterable table of trajectories with full-text search, every trajectory and every selected sample. See docs/serve.md."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "Address to listen on. The default is this machine only; 0.0.0.0 exposes the run to the network.")
    var host = "127.0.0.1"

    @Option(help: "Seconds between checks for new data to index for search.")
    var refresh = 5

    func run() async throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535, not \(port).") }
        guard refresh >= 1 else { throw ValidationError("--refresh must be at least 1 second, not \(refresh).") }
        let config = try options.load()
        let site = try ServeSite.open(config: config)
        let app = ServeApplication.make(site: site, host: host, port: port) { bound in
            // Written at once (print is buffered when stdout is a pipe): scripts wait for this line.
            FileHandle.standardOutput.write(Data("serving \(config.workdir) at http://\(host):\(bound)/ (Ctrl-C to stop)\n".utf8))
        }
        let refresher = Task.detached { [refresh] in
            await ServeApplication.keepIndexing(site: site, every: .seconds(refresh))
        }
        defer { refresher.cancel() }
        do {
            try await app.runService()
        } catch {
            throw ServeError.cannotListen(host: host, port: port, reason: "\(error)")
        }
    }
}
