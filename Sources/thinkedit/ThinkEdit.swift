import ArgumentParser

@main
struct ThinkEdit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thinkedit",
        abstract: "Build THINKEDIT-style training data for image-editing thinker models.",
        subcommands: [Bench.self]
    )
}

/// `thinkedit bench ...`: performance measurements that print figures.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks.", subcommands: [BenchImagesCommand.self])
}
