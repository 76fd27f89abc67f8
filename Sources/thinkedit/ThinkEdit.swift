import ArgumentParser

@main
struct ThinkEdit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thinkedit",
        abstract: "Build THINKEDIT-style training data for image-editing thinker models."
    )
}
