/// What the database knows of a stored image.
package struct ImageRecord: Sendable, Hashable {
    package var hash: String
    /// `png` or `jpeg`.
    package var format: String
    package var width: Int
    package var height: Int
    package var bytes: Int

    package init(hash: String, format: String, width: Int, height: Int, bytes: Int) {
        self.hash = hash
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
    }
}
