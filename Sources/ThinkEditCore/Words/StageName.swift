/// The stages of a run, by the name they have on the command line and in `stage_run`, in
/// pipeline order.
package enum StageName: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case pool
    case generate
    case score
    case filter
    case unroll
    case split
    case export

    package var description: String { rawValue }

    package static func < (a: StageName, b: StageName) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// How a stage run stands or ended, as `stage_run.status` and `thinkedit status` say it.
package enum StageStatus: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Started and not finished: the process is running it, or died while it did.
    case running
    case done
    /// Stopped by an error; rerunning the stage resumes it.
    case failed
    /// Stopped by Ctrl-C (SIGINT or SIGTERM); everything completed before is kept.
    case interrupted

    package var description: String { rawValue }
}

// Every word prints as the name it has in the database, the files and on the command line.
extension TrajectoryStatus: CustomStringConvertible { package var description: String { rawValue } }
extension EndReason: CustomStringConvertible { package var description: String { rawValue } }
extension DropReason: CustomStringConvertible { package var description: String { rawValue } }
extension SampleKind: CustomStringConvertible { package var description: String { rawValue } }
