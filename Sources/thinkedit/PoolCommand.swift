import ArgumentParser

struct PoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Bring editing requests (source image, instruction, task) into a run.",
        subcommands: [PoolImportCommand.self, PoolSynthCommand.self]
    )
}
