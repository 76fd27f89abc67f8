import Foundation
import ThinkEditBackends
import ThinkEditStore

/// Writes the built-in prompts out as files to edit (`thinkedit prompts export DIR`). A backend's
/// `prompts` key naming that folder then uses the edited files and the built-ins for the rest.
package enum PromptExport {
    /// A file that exists and would be overwritten.
    struct Exists: Error, CustomStringConvertible {
        package var paths: [String]
        package var description: String {
            "\(paths.joined(separator: ", ")) already exist\(paths.count == 1 ? "s" : ""); nothing was written. Choose an empty folder or pass --force to overwrite."
        }
    }

    /// Writes every built-in prompt into `folder` (created if needed) and returns the paths
    /// written. Without `overwrite`, an existing file stops it before anything is written.
    package static func write(to folder: String, overwrite: Bool) throws -> [String] {
        let paths = BuiltInPrompts.files.map { ((folder as NSString).appendingPathComponent($0.name), $0.text) }
        if !overwrite {
            let existing = paths.map(\.0).filter { FileManager.default.fileExists(atPath: $0) }
            if !existing.isEmpty { throw Exists(paths: existing) }
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.notWritable(path: folder, reason: (error as NSError).localizedDescription)
        }
        for (path, text) in paths { try AtomicFile.write(Array(text.utf8), to: path) }
        return paths.map(\.0)
    }
}
