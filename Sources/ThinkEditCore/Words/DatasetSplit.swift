/// The two datasets the split stage makes (SPEC §2.6), by the name they have in the database,
/// the export folders and the manifests.
package enum DatasetSplit: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Step samples for supervised fine-tuning.
    case sft
    /// The high-variance trajectories' samples for reinforcement learning.
    case rl

    package var description: String { rawValue }
}
