import ArgumentParser
import ThinkEditPipeline

struct PromptsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "The built-in prompts of the expert, the judge and the exported user turn.",
        subcommands: [PromptsExportCommand.self]
    )
}

struct PromptsExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the built-in prompts into a folder to edit.",
        discussion: """
            Name the folder in a chat backend's `prompts` key (or put it as prompts/ beside the config): \
            each file there replaces the built-in prompt of the same name, the others stay built in.
            """
    )

    @Argument(help: "The folder to write (created if needed).")
    var folder: String

    @Flag(help: "Overwrite files that exist.")
    var force = false

    func run() async throws {
        for path in try PromptExport.write(to: folder, overwrite: force) { print(path) }
    }
}
