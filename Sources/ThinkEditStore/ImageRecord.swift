import GRDB
import ThinkEditCore

/// What the database knows of a stored image.
package struct ImageRecord: Sendable, Hashable {
    package var hash: String
    package var format: ImageFormat
    package var width: Int
    package var height: Int
    package var bytes: Int

    package init(hash: String, format: ImageFormat, width: Int, height: Int, bytes: Int) {
        self.hash = hash
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    /// The columns a query selects for an image joined under `prefix` (`src_` gives
    /// `src.hash AS src_hash, src.format AS src_format, ...`), to be read back with
    /// `init(row:prefix:)`.
    package static func columns(of table: String, as prefix: String) -> String {
        ["hash", "format", "width", "height", "bytes"].map { "\(table).\($0) AS \(prefix)\($0)" }.joined(separator: ", ")
    }

    /// Reads the image columns `<prefix>hash`, `<prefix>format`, `<prefix>width`, `<prefix>height`
    /// and `<prefix>bytes` of a row. A format the store does not know is a damaged database.
    package init(row: Row, prefix: String = "") throws {
        hash = row[prefix + "hash"]
        format = try row.word(prefix + "format", as: ImageFormat.self)
        width = row[prefix + "width"]
        height = row[prefix + "height"]
        bytes = row[prefix + "bytes"]
    }
}
