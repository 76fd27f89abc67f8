/// Why an export could not be written. Each message names the file and what to do.
enum ExportError: Error, CustomStringConvertible, Sendable {
    case badTemplate(path: String, reason: String)
    case notWritable(path: String, reason: String)
    case badImage(hash: String, path: String, reason: String)

    package var description: String {
        switch self {
        case .badTemplate(let path, let reason):
            return "\(path): the user-turn template is not usable: \(reason). Fix the file (`thinkedit prompts export DIR` writes the built-in one to start from) and run export again."
        case .notWritable(let path, let reason):
            return "\(path): cannot write the export: \(reason). Check the disk and the permissions of export.dir, then run export again."
        case .badImage(let hash, let path, let reason):
            return "\(path): image \(hash) of the run cannot be exported: \(reason). The image store is damaged; re-import the trajectories that name it."
        }
    }
}
