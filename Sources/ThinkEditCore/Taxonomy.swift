/// The task types a run accepts (SPEC §6), and how other names map onto them.
public struct TaskTaxonomy: Sendable, Hashable {
    /// GEdit-Bench's 11 task types, the default.
    public static let gedit = TaskTaxonomy(tasks: [
        "background_change", "color_alter", "material_alter", "motion_change", "ps_human",
        "style_change", "subject-add", "subject-remove", "subject-replace", "text_change", "tone_transfer",
    ])
    /// ImgEdit's task types, a common alternative.
    public static let imgedit = TaskTaxonomy(tasks: [
        "add", "remove", "replace", "adjust", "style", "action", "extract", "background", "compose",
    ])

    public let tasks: [String]
    /// Names outside `tasks` that the config maps onto one of them.
    public let aliases: [String: String]
    private let known: Set<String>

    public init(tasks: [String], aliases: [String: String] = [:]) {
        self.tasks = tasks
        self.aliases = aliases
        self.known = Set(tasks)
    }

    /// The task a pool row's task name stands for, or nil when the taxonomy does not know it.
    public func resolve(_ name: String) -> String? {
        if known.contains(name) { return name }
        return aliases[name]
    }
}
