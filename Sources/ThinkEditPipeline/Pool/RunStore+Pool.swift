import GRDB
import ThinkEditCore
import ThinkEditStore

extension RunStore {
    // MARK: - Images

    static func insertImages(_ db: Database, _ images: [ImageRecord]) throws {
        let stmt = try db.cachedStatement(sql: "INSERT OR IGNORE INTO image(hash, format, width, height, bytes) VALUES (?, ?, ?, ?, ?)")
        for i in images {
            try stmt.execute(arguments: [i.hash, i.format.rawValue, i.width, i.height, i.bytes])
        }
    }

    // MARK: - Pool

    /// The pool items among `ids` that the run already holds.
    func poolItems(ids: some Collection<String>) throws -> [String: PoolItem] {
        try read { db in
            var out: [String: PoolItem] = [:]
            let stmt = try db.cachedStatement(sql: "SELECT id, image, instruction, task, source, meta FROM pool_item WHERE id = ?")
            for id in ids {
                if let row = try Row.fetchOne(stmt, arguments: [id]) {
                    out[id] = PoolItem(id: row["id"], image: row["image"], instruction: row["instruction"], task: row["task"], source: row["source"],
                                       metaJSON: row["meta"])
                }
            }
            return out
        }
    }

    /// Inserts images and pool items in one transaction; items whose id exists are skipped
    /// (the importer has checked they are identical). Returns how many items were new.
    package func insertPool(images: [ImageRecord], items: [PoolItem]) throws -> Int {
        try write { db in
            try Self.insertImages(db, images)
            let stmt = try RawInsert(db, "INSERT OR IGNORE INTO pool_item(id, task, instruction, image, source, meta) VALUES (?, ?, ?, ?, ?, ?)")
            var inserted = 0
            for item in items {
                stmt.bind(1, item.id)
                stmt.bind(2, item.task)
                stmt.bind(3, item.instruction)
                stmt.bind(4, item.image)
                stmt.bind(5, item.source)
                stmt.bind(6, item.metaJSON)
                inserted += try stmt.step()
            }
            return inserted
        }
    }

    func poolCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM pool_item") ?? 0 }
    }
}
