/// One editing request of the pool (SPEC §2.1, §4.1): a source image, the user's instruction and
/// its task type. Ids are data, never paths.
public struct PoolItem: Sendable, Hashable {
    public var id: String
    /// Content hash of the source image in the run's image store.
    public var image: String
    public var instruction: String
    public var task: String
    /// Optional provenance (`"source"` in the pool file).
    public var source: String?
    /// Optional free-form metadata, kept as the JSON text it arrived as.
    public var metaJSON: String?

    public init(id: String, image: String, instruction: String, task: String, source: String? = nil, metaJSON: String? = nil) {
        self.id = id
        self.image = image
        self.instruction = instruction
        self.task = task
        self.source = source
        self.metaJSON = metaJSON
    }
}
