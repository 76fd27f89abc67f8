/// The two datasets the split stage makes (SPEC §2.6), by the name they have in the database,
/// the export folders and the manifests.
package enum DatasetSplit: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Step samples for supervised fine-tuning.
    case sft
    /// The high-variance trajectories' samples for reinforcement learning.
    case rl

    package var description: String { rawValue }
}

/// Where a trajectory's samples went: one of the two sets, or neither (SPEC §2.6: never both).
/// `none` is how reports, serve's filter and URLs name "in no set".
package enum SplitMembership: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case sft
    case rl
    case none

    package init(_ split: DatasetSplit?) {
        switch split {
        case .sft?: self = .sft
        case .rl?: self = .rl
        case nil: self = .none
        }
    }

    package var description: String { rawValue }
}
