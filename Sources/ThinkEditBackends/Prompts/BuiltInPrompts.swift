/// The default prompt files, compiled into the binary from `Prompts/Defaults/` (the only copy).
/// A backend's `prompts` folder, or `prompts/` beside the config, overrides them file by file;
/// `thinkedit prompts export DIR` writes them out to edit.
package enum BuiltInPrompts {
    /// Every built-in file, by name, in a fixed order.
    package static let files: [(name: String, text: String)] = [
        ("expert_system.txt", text(PackageResources.expert_system_txt)),
        ("expert_refine.txt", text(PackageResources.expert_refine_txt)),
        ("expert_rewrite.txt", text(PackageResources.expert_rewrite_txt)),
        ("judge_system.txt", text(PackageResources.judge_system_txt)),
        ("judge_semantic.txt", text(PackageResources.judge_semantic_txt)),
        ("judge_quality.txt", text(PackageResources.judge_quality_txt)),
        ("thinker_user.txt", text(PackageResources.thinker_user_txt)),
    ]

    /// The built-in text of `name`; nil for a name that is not a built-in prompt.
    package static func text(named name: String) -> String? {
        files.first { $0.name == name }?.text
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
