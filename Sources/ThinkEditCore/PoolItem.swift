/// One editing request of the pool (SPEC §2.1, §4.1): a source image, the user's instruction and
/// its task type. Ids are data, never paths.
package struct PoolItem: Sendable, Hashable {
    package var id: String
    /// Content hash of the source image in the run's image store.
    package var image: String
    package var instruction: String
    package var task: String
    /// Optional provenance (`"source"` in the pool file).
    package var source: String?
    /// Optional free-form metadata, kept as the JSON text it arrived as.
    package var metaJSON: String?

    package init(id: String, image: String, instruction: String, task: String, source: String? = nil, metaJSON: String? = nil) {
        self.id = id
        self.image = image
        self.instruction = instruction
        self.task = task
        self.source = source
        self.metaJSON = metaJSON
    }
}
