import ArgumentParser
import Foundation
import ThinkEditPipeline

struct BatchesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batches",
        abstract: "List the run's batches (mode: batch): id, state, counts, age, cost; --cancel cancels those in flight."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Ask the provider to cancel every batch still in flight. Stop the stage first (Ctrl-C): a running stage sends the cancelled requests again while they have retries left.")
    var cancel = false

    func run() async throws {
        let config = try options.load()
        let store = try config.readRun()
        if cancel {
            let results = try await BatchListing.cancelOpen(store, config: config)
            if results.isEmpty { print("no batch in flight") }
            for (b, said) in results { print("batch \(b.id) (\(b.batchID ?? "-")): \(said)") }
            return
        }
        print(BatchListing.table(try BatchListing.all(store), now: Date().timeIntervalSince1970))
    }
}
