import Foundation
import ThinkEditCore
import ThinkEditImaging
import ThinkEditStore

/// `thinkedit trajectories import` (SPEC §4.2): brings finished — optionally scored — trajectories
/// into a run so that score, filter, unroll, split and export can run on them without a model.
/// The whole file is validated first; any bad line means nothing is written.
package struct TrajectoryImporter {
    let config: RunConfig
    let store: RunStore

    package init(config: RunConfig, store: RunStore) {
        self.config = config
        self.store = store
    }

    package func importFile(_ path: String) throws -> ImportSummary {
        let file = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        let jsonl = try JSONLines(file: file)
        guard !jsonl.lines.isEmpty else { throw ImportError.empty(file: file) }
        let intake = ImageIntake(folder: (file as NSString).deletingLastPathComponent, limits: ImageLimits(maxPixels: config.images.maxPixels))
        let decoded = jsonl.parseAll { bytes in parseRow(bytes) { json throws(FieldError) in try TrajectoryRow(json: json) } }

        var problems = ProblemList()
        var valid: [(line: Int, row: TrajectoryRow)] = []
        var paths = Set<String>()
        var firstLine: [String: Int] = [:]
        for (i, result) in decoded.enumerated() {
            let line = jsonl.lines[i].number
            switch result {
            case .failure(let e):
                problems.add(line, e.description)
            case .success(let row):
                let before = problems.total
                check(row, line: line, problems: &problems)
                if let id = row.id, !id.isEmpty {
                    if let earlier = firstLine[id] {
                        problems.add(line, "id \"\(id)\" already appears on line \(earlier): ids must be unique")
                    } else {
                        firstLine[id] = line
                    }
                }
                if problems.total == before {
                    valid.append((line, row))
                    paths.insert(intake.resolve(row.sourceImage!))
                    for s in row.steps! { paths.insert(intake.resolve(s.image!)) }
                }
            }
        }

        let inspected = intake.inspect(paths)
        let existing = try store.trajectories(ids: valid.map { $0.row.id! })
        var trajectories: [Trajectory] = []
        var usedImages: [String: ImageIntake.Inspected] = [:]
        var unchanged = 0
        for (line, row) in valid {
            var records: [String: ImageIntake.Inspected] = [:]
            var bad = false
            for reference in [row.sourceImage!] + row.steps!.map({ $0.image! }) {
                switch inspected[intake.resolve(reference)]! {
                case .success(let i): records[reference] = i
                case .failure(let e):
                    problems.add(line, "image \"\(reference)\": \(e)")
                    bad = true
                }
            }
            if bad { continue }
            let t = trajectory(row, hash: { records[$0]!.record.hash })
            if let old = existing[t.id] {
                if old == t { unchanged += 1 } else {
                    problems.add(line, "id \"\(t.id)\" is already in the run with different content: give the trajectory a new id, or remove the line")
                }
                continue
            }
            for r in records.values { usedImages[r.record.hash] = r }
            trajectories.append(t)
        }
        try problems.check(file: file)

        let images = usedImages.values.sorted { $0.record.hash < $1.record.hash }
        try intake.store(images, into: store.images)
        let inserted = try store.insertTrajectories(images: images.map(\.record), trajectories: trajectories)
        return ImportSummary(rows: valid.count, inserted: inserted, unchanged: unchanged, images: images.count)
    }

    /// Checks one row's fields; reports every problem it finds on the line.
    private func check(_ row: TrajectoryRow, line: Int, problems: inout ProblemList) {
        func required(_ name: String, _ value: String?) {
            if value == nil { problems.add(line, "field \"\(name)\" is missing") }
            else if value!.isBlank { problems.add(line, "field \"\(name)\" is empty") }
        }
        required("id", row.id)
        required("task", row.task)
        required("instruction", row.instruction)
        required("source_image", row.sourceImage)
        if let e = row.editor, e.isBlank { problems.add(line, "field \"editor\" is empty") }
        if let task = row.task, !task.isEmpty, config.taxonomy.resolve(task) == nil {
            problems.add(line, "task \"\(task)\" is not in the taxonomy (\(config.taxonomy.tasks.joined(separator: ", "))): fix the task or map it with `task_map` in the config")
        }
        switch row.endReason {
        case nil: problems.add(line, "field \"end_reason\" is missing: stop or max_turns")
        case let r? where EndReason(rawValue: r) == nil:
            problems.add(line, "field \"end_reason\" is \"\(r)\": it must be stop or max_turns")
        case "stop":
            if (row.stopReasoning ?? "").isBlank {
                problems.add(line, "end_reason is \"stop\" but \"stop_reasoning\" is missing or empty: add the expert's last reasoning, or set end_reason to max_turns")
            }
        default: break
        }
        guard let steps = row.steps else {
            problems.add(line, "field \"steps\" is missing")
            return
        }
        if steps.isEmpty { problems.add(line, "field \"steps\" is empty: a trajectory has at least one turn") }
        for (i, s) in steps.enumerated() {
            let at = "steps[\(i)]"
            if s.turn == nil { problems.add(line, "field \"\(at).turn\" is missing") }
            else if s.turn != i + 1 { problems.add(line, "\(at) has turn \(s.turn!): turns must be 1, 2, 3... in order") }
            required("\(at).instruction", s.instruction)
            required("\(at).image", s.image)
            if i > 0 { required("\(at).reasoning", s.reasoning) }
            if let score = s.score {
                for (name, v) in [("semantic", score.semantic), ("quality", score.quality)] {
                    if let v {
                        if !(0...10).contains(v.value) { problems.add(line, "\(at).score.\(name) is \(v): scores are 0 to 10") }
                    } else {
                        problems.add(line, "field \"\(at).score.\(name)\" is missing")
                    }
                }
                if let o = score.overall, !(0...10).contains(o) { problems.add(line, "\(at).score.overall is \(o): scores are 0 to 10") }
                if let j = score.judge {
                    for (name, v) in [("success", j.success), ("over_editing", j.overEditing), ("naturalness", j.naturalness), ("artifacts", j.artifacts)]
                    where !(0...10).contains(v.value) {
                        problems.add(line, "\(at).score.judge.\(name) is \(v): scores are 0 to 10")
                    }
                }
            }
        }
    }

    private func trajectory(_ row: TrajectoryRow, hash: (String) -> String) -> Trajectory {
        let turns = row.steps!.map { s -> Turn in
            let score = s.score.map { Score(semantic: $0.semantic!, quality: $0.quality!, overall: $0.overall) }
            let judge = s.score?.judge
            var turn = Turn(turn: s.turn!, instruction: s.instruction!, reasoning: s.reasoning, image: hash(s.image!),
                            seed: s.seed, score: score, judge: judge, judgeReasoning: s.score?.reasoning)
            turn.executedPrompt = s.executedPrompt
            turn.executedSeed = s.executedSeed
            return turn
        }
        return Trajectory(id: row.id!, task: config.taxonomy.resolve(row.task!)!, instruction: row.instruction!,
                          sourceImage: hash(row.sourceImage!), editor: row.editor ?? "unknown", status: .complete,
                          endReason: EndReason(rawValue: row.endReason!), stopReasoning: row.stopReasoning, turns: turns)
    }
}
