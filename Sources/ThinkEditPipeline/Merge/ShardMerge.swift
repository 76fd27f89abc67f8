import Foundation
import ThinkEditCore
import ThinkEditStore

/// `thinkedit merge`: builds one run from the work directories of `--shard i/n` processes. Every
/// complete trajectory of every shard lands in the target once, with its turns, scores and call
/// journal rows; pool items and image rows once each, image files hard-linked (or copied). The
/// merge is all-or-nothing: an id that two sources hold with different content is a conflict and
/// nothing is written. Merging the same shards again changes nothing, and merging a shard again
/// after it finished more trajectories adds only those.
///
/// Trajectories get new `seq` numbers in the target (shard by shard), so anything downstream must
/// order by id, never by `seq`: the trajectory export does, and curation is order-independent.
package struct ShardMerge {
    package let target: RunStore
    package let log: @Sendable (String) -> Void

    package init(target: RunStore, log: @escaping @Sendable (String) -> Void) {
        self.target = target
        self.log = log
    }

    /// Merges the runs in `shardDirs` (in the given order) into the target run.
    @discardableResult
    package func merge(_ shardDirs: [String], keep: Bool = false) throws -> MergeSummary {
        guard !shardDirs.isEmpty else { throw MergeError.noShards }
        let targetDir = Self.canonical(target.workdir)
        var seen = Set<String>()
        var sources: [MergeSource] = []
        for dir in shardDirs {
            let path = Self.canonical(dir)
            if path == targetDir { throw MergeError.shardIsTarget(dir) }
            // Naming a shard twice adds nothing; opening it twice would trip over our own lock.
            guard seen.insert(path).inserted else { continue }
            do {
                sources.append(try MergeSource.open(workdir: dir))
            } catch StoreError.locked(_, let holder) {
                throw MergeError.shardRunning(dir, holder: holder)
            }
        }
        switch try target.merge(sources, keep: keep) {
        case .conflicts(let list):
            throw MergeError.conflicts(list)
        case .mixedSettings(let records):
            throw MergeError.mixedSettings(records.map { r in
                let changes = records.first.flatMap { first -> [SettingsChange]? in
                    guard first.stage == r.stage, first.id != r.id,
                          let a = try? JSONParser.parse(first.json), let b = try? JSONParser.parse(r.json) else { return nil }
                    return SettingsRecord.changes(from: a, to: b)
                } ?? []
                return "  \(r.stage) \(r.id): \(r.trajectories) trajectories" + (changes.isEmpty ? "" : "; against \(records.first!.id): "
                    + changes.prefix(8).map(\.description).joined(separator: ", "))
            })
        case .merged(let s):
            log("merge: \(sources.count) shards into \(target.workdir): \(s.trajectoriesAdded) trajectories added " +
                "(\(s.turnsAdded) turns, \(s.callsAdded) calls), \(s.trajectoriesPresent) already present, " +
                "\(s.poolItemsAdded) pool items, \(s.imagesAdded) images")
            let behind = s.leftBehind.byName.map { "\($0.count) \($0.name)" }
            if !behind.isEmpty {
                log("merge: not taken (not complete in their shard): \(behind.joined(separator: ", ")); " +
                    "finish them there (`thinkedit retry-failed`, `thinkedit generate --shard i/n`) and merge again")
            }
            return s
        }
    }

    /// The absolute, symlink-free form of a folder, to recognise the same folder named two ways.
    static func canonical(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: absolute).resolvingSymlinksInPath().standardizedFileURL.path
    }
}

/// Why a merge did not happen, with what to do about it.
enum MergeError: Error, CustomStringConvertible {
    case noShards
    case shardIsTarget(String)
    case shardRunning(String, holder: String)
    case conflicts([MergeConflict])
    case mixedSettings([String])

    package var description: String {
        switch self {
        case .noShards:
            return "merge: no shard work directories given: name the folders the `--shard i/n` runs wrote (their --workdir)."
        case .shardIsTarget(let dir):
            return "merge: \(dir) is the target run itself: name the shard work directories, and the target with the config's workdir or --workdir."
        case .shardRunning(let dir, let holder):
            return "merge: \(dir) is still being written by another thinkedit process (\(holder)): wait for that shard to finish, then merge again. Nothing was merged."
        case .mixedSettings(let lines):
            return (["merge: the shards' work was made with different settings; nothing was merged:"] + lines
                + ["Merge them anyway with --keep (the run is then mixed, and its cards say so), or redo the odd shards with the run's config."])
                .joined(separator: "\n")
        case .conflicts(let list):
            let shown = list.prefix(20).map { c in
                "  \(c.kind) \(c.id): in \(c.shard) differs from " + (c.against.map { "the same id in \($0)" } ?? "what the target run holds")
            }
            let more = list.count > shown.count ? ["  ... and \(list.count - shown.count) more"] : []
            return (["merge: \(list.count) ids have different content in different runs; nothing was merged:"] + shown + more +
                    ["Shards of one run must come from the same config, seed and pool; merge conflicting shards into separate target runs, or remove the stale shard."])
                .joined(separator: "\n")
        }
    }
}
