/// Why the curation rules refused their settings. Raised before any trajectory is looked at, so a
/// bad config costs nothing; the message names the config key and the value to put there.
enum CurationError: Error, CustomStringConvertible, Equatable {
    /// `bin_width` is not a positive number that has a meaning at 6 decimals.
    case invalidBinWidth(Double)
    /// A count the split must reach (`rl.trajectories`, `sft.samples`) is negative.
    case negativeTarget(key: String, value: Int)
    /// A threshold (`rl.min_variance`, `sft.min_quality`) is NaN or infinite.
    case nonFiniteThreshold(key: String, value: Double)

    package var description: String {
        switch self {
        case .invalidBinWidth(let width):
            return "config key bin_width: \(width) is not a usable score-bin width; it must be a finite number "
                + "of at least 0.000001 (scores are compared at 6 decimals). Set bin_width to a positive "
                + "number such as 1 (the default: one bin per score point)."
        case .negativeTarget(let key, let value):
            return "config key \(key): \(value) is negative; it is the number of units to select. "
                + "Set \(key) to 0 or more."
        case .nonFiniteThreshold(let key, let value):
            return "config key \(key): \(value) is not a finite number. Set \(key) to a number "
                + "(the defaults are rl.min_variance 1.0 and sft.min_quality 7.0)."
        }
    }
}
