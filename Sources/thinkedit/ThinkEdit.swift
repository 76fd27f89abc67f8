import ArgumentParser

@main
struct ThinkEdit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thinkedit",
        abstract: "Build THINKEDIT-style training data for image-editing thinker models.",
        subcommands: [BenchCommand.self]
    )
}

/// `thinkedit bench ...`: benchmarks that print figures.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print their figures.",
        subcommands: [BenchSyntheticCommand.self]
    )
}
