/// The task types a run accepts (SPEC §6), and how other names map onto them.
package struct TaskTaxonomy: Sendable, Hashable {
    /// GEdit-Bench's 11 task types, the default.
    package static let gedit = TaskTaxonomy(tasks: [
        "background_change", "color_alter", "material_alter", "motion_change", "ps_human",
        "style_change", "subject-add", "subject-remove", "subject-replace", "text_change", "tone_transfer",
    ])
    /// ImgEdit's task types, a common alternative.
    package static let imgedit = TaskTaxonomy(tasks: [
        "add", "remove", "replace", "adjust", "style", "action", "extract", "background", "compose",
    ])

    package let tasks: [String]
    /// Names outside `tasks` that the config maps onto one of them.
    package let aliases: [String: String]
    private let known: Set<String>

    package init(tasks: [String], aliases: [String: String] = [:]) {
        self.tasks = tasks
        self.aliases = aliases
        self.known = Set(tasks)
    }

    /// The task a pool row's task name stands for, or nil when the taxonomy does not know it.
    package func resolve(_ name: String) -> String? {
        if known.contains(name) { return name }
        return aliases[name]
    }
}
