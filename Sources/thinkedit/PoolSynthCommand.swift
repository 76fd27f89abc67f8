import ArgumentParser
import ThinkEditSynthetic

struct PoolSynthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic pool (DIR/pool.jsonl + images) from the built-in synthetic world."
    )

    @Option(help: "Items to make.") var count: Int
    @Option(help: "Seed: the same seed gives the same bytes.") var seed: UInt64 = 0
    @Option(help: "Output folder.") var out: String
    @Option(help: "Image side in pixels.") var imageSize = 256

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be at least 1") }
        guard (16...4096).contains(imageSize) else { throw ValidationError("--image-size must be between 16 and 4096") }
    }

    func run() async throws {
        let n = try SyntheticPool.write(count: count, seed: seed, to: out, imageSize: imageSize)
        print("pool synth: \(n) items in \(out)/pool.jsonl")
    }
}
