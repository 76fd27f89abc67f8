/// What the database knows of a stored image.
public struct ImageRecord: Sendable, Hashable {
    public var hash: String
    /// `png` or `jpeg`.
    public var format: String
    public var width: Int
    public var height: Int
    public var bytes: Int

    public init(hash: String, format: String, width: Int, height: Int, bytes: Int) {
        self.hash = hash
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
    }
}
