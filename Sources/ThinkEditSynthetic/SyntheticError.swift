/// Why a synthetic backend or the pool writer could not do its job.
enum SyntheticError: Error, CustomStringConvertible, Sendable {
    /// The item has no `{"synthetic": ...}` meta: the synthetic backends only serve synthetic pools.
    case missingTruth(item: String)
    /// The meta is there but is not a synthetic truth this version reads.
    case badTruth(item: String, detail: String)
    /// An image given to the expert or the judge could not be decoded or has the wrong size.
    case badImage(item: String, turn: Int, detail: String)
    /// Writing the pool failed.
    case cannotWrite(path: String, detail: String)
    /// A knob was given a value it cannot take.
    case invalidSetting(name: String, detail: String)

    package var description: String {
        switch self {
        case .missingTruth(let item):
            return "pool item \(item): no synthetic ground truth in its meta; the synthetic editor, expert and judge only work on pools made by `thinkedit pool synth` (or set real backends in the config)"
        case .badTruth(let item, let detail):
            return "pool item \(item): its meta.synthetic object cannot be read (\(detail)); regenerate the pool with `thinkedit pool synth`"
        case .badImage(let item, let turn, let detail):
            return "pool item \(item), turn \(turn): the edited image cannot be used (\(detail)); the synthetic expert and judge need images made by the synthetic editor at the pool's size"
        case .cannotWrite(let path, let detail):
            return "cannot write \(path): \(detail); check that the folder is writable and has free space"
        case .invalidSetting(let name, let detail):
            return "synthetic world setting \(name): \(detail)"
        }
    }
}
