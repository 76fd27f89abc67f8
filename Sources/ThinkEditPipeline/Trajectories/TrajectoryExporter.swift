import Foundation
import ThinkEditCore
import ThinkEditStore

/// `thinkedit trajectories export`: every complete trajectory as SPEC §4.2 JSONL, in byte order of
/// ids, with its images beside the file in `images/` (hard links into the store where possible).
/// The file imports back to the same content.
package struct TrajectoryExporter {
    let store: RunStore

    package init(store: RunStore) {
        self.store = store
    }

    package struct Summary: Sendable, Hashable {
        package var exported: Int
        /// Trajectories not exported because they are pending or failed.
        package var skipped: Int
        package var images: Int
    }

    package func export(to path: String) throws -> Summary {
        let file = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        let folder = (file as NSString).deletingLastPathComponent
        let imageFolder = (folder as NSString).appendingPathComponent("images")
        do {
            try FileManager.default.createDirectory(atPath: imageFolder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.notWritable(path: imageFolder, reason: reason(error))
        }
        let temp = file + ".tmp-\(getpid())"
        let fd = try AtomicFile.create(temp)
        func flush(_ buffer: inout JSONWriter) throws {
            try buffer.text.withUTF8 { try AtomicFile.writeAll(fd, UnsafeRawBufferPointer($0), path: file) }
            buffer.text.removeAll(keepingCapacity: true)
        }
        var summary = Summary(exported: 0, skipped: 0, images: 0)
        var linked = Set<String>()
        var buffer = JSONWriter()
        do {
            try store.forEachTrajectory { t, formats in
                guard t.status == .complete, t.endReason != nil else {
                    summary.skipped += 1
                    return
                }
                let turnImages = t.turns.compactMap(\.image)
                guard turnImages.count == t.turns.count else {
                    throw StoreError.corrupt(path: store.databasePath, reason: "complete trajectory \(t.id) has a turn without its image")
                }
                var names: [String: String] = [:]
                for h in [t.sourceImage] + turnImages {
                    guard let format = formats[h] else {
                        throw StoreError.corrupt(path: store.databasePath, reason: "image \(h) of \(t.id) is not in the image table")
                    }
                    names[h] = "images/\(h).\(format.fileExtension)"
                    if linked.insert(h).inserted {
                        try link(hash: h, format: format, to: (folder as NSString).appendingPathComponent(names[h]!))
                    }
                }
                func name(_ hash: String) -> String { names[hash]! }
                Self.write(t, imageName: name, to: &buffer)
                summary.exported += 1
                if buffer.text.utf8.count > 1 << 20 { try flush(&buffer) }
            }
            try flush(&buffer)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        do {
            try AtomicFile.finish(fd, temp: temp, to: file)
        } catch {
            unlink(temp)
            throw error
        }
        summary.images = linked.count
        return summary
    }

    private func link(hash: String, format: ImageFormat, to target: String) throws {
        if FileManager.default.fileExists(atPath: target) { return }
        let source = store.images.path(hash: hash, format: format)
        if Glibc.link(source, target) == 0 { return }
        try AtomicFile.write(try store.images.read(hash: hash, format: format), to: target)
    }

    /// One §4.2 line. Keys in a fixed order; `overall` only when it was given (so a computed one
    /// stays computed after a round trip); the judge's raw sub-scores and reasoning when present.
    package static func write(_ t: Trajectory, imageName: (String) -> String, to out: inout JSONWriter) {
        out.object { o in
            o.field("id", t.id)
            o.field("task", t.task)
            o.field("instruction", t.instruction)
            o.field("source_image", imageName(t.sourceImage))
            o.field("editor", t.editor)
            o.field("end_reason", t.endReason!.rawValue)
            if let s = t.stopReasoning { o.field("stop_reasoning", s) }
            o.array("steps") { steps in
                for turn in t.turns {
                    steps.object { step in write(turn, imageName: imageName, to: &step) }
                }
            }
            o.key("settings")
            o.settings(settings(of: t))
        }
        out.text += "\n"
    }

    /// The records that made `t`: its generate record, and the score record of its scored turns
    /// (several joined by `+` when a `--keep` left it judged in part under each; `unscored` for
    /// a generated trajectory no judge has seen yet).
    static func settings(of t: Trajectory) -> SampleSettings {
        var scores: [String] = []
        for turn in t.turns where turn.score != nil {
            let id = turn.scoreSettings ?? SampleSettings.imported
            if !scores.contains(id) { scores.append(id) }
        }
        return SampleSettings(generate: t.generateSettings ?? SampleSettings.imported,
                              score: scores.isEmpty ? (t.generateSettings == nil ? SampleSettings.imported : "unscored")
                                  : scores.sorted().joined(separator: "+"))
    }

    /// The members of one step.
    private static func write(_ turn: Turn, imageName: (String) -> String, to o: inout JSONWriter) {
        o.field("turn", turn.turn)
        o.field("instruction", turn.instruction)
        if let r = turn.reasoning { o.field("reasoning", r) }
        // Complete trajectories only: every turn has its image (the caller checks).
        o.field("image", imageName(turn.image ?? ""))
        if let seed = turn.seed {
            o.key("seed")
            o.int(seed)
        }
        if let executed = turn.executedPrompt { o.field("executed_prompt", executed) }
        if let seed = turn.executedSeed {
            o.key("executed_seed")
            o.int(seed)
        }
        guard let s = turn.score else { return }
        o.object("score") { score in
            score.key("semantic"); score.number(s.semantic)
            score.key("quality"); score.number(s.quality)
            if s.overallGiven { score.field("overall", s.overall) }
            if let j = turn.judge {
                score.object("judge") { judge in
                    judge.key("success"); judge.number(j.success)
                    judge.key("over_editing"); judge.number(j.overEditing)
                    judge.key("naturalness"); judge.number(j.naturalness)
                    judge.key("artifacts"); judge.number(j.artifacts)
                }
            }
            if let r = turn.judgeReasoning { score.field("reasoning", r) }
        }
    }
}
