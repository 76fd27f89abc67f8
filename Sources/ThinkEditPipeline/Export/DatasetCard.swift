import ThinkEditCore
import ThinkEditStore

/// The `README.md` of one export folder: a Hugging Face dataset card (YAML front matter with the
/// license and name from `export.license` / `export.name`) with the counts per split, task and
/// score bin, histograms of the critique score and the trajectory variance, and what the data was
/// made with (seed, model backends, config and prompt hashes). It holds no time stamp or absolute
/// path, so the same inputs give the same bytes.
struct DatasetCard {
    var name: String
    var license: String
    var split: DatasetSplit
    var rows: [ExportSampleRow]
    /// Sample counts of every split of the export, in order.
    var splitCounts: [(DatasetSplit, Int)]
    var imageCount: Int
    var resizedCount: Int
    var files: [(String, String)]
    var binning: ScoreBinning
    var provenance: [(String, String)]

    func render() -> String {
        var out = "---\nlicense: \(license)\npretty_name: \(name) (\(split))\ntags:\n- image-editing\n- thinkedit\n---\n\n"
        out += "# \(name): \(split.rawValue.uppercased()) set\n\n"
        out += split == .rl
            ? "High-variance trajectories for GRPO reinforcement learning, unrolled into step samples.\n"
            : "Step samples for supervised fine-tuning of an image-editing thinker.\n"
        out += "Each sample shows the source image and one edit of it; the target critiques the edit (`<think>`), scores it (`<score>`) and writes the next instruction (`<answer>`).\n\n"

        out += "## Counts\n\n| split | samples |\n|---|---:|\n"
        for (s, n) in splitCounts { out += "| \(s) | \(n) |\n" }
        let refine = rows.filter { $0.kind == .refine }.count
        let trajectories = Set(rows.map(\.trajectory)).count
        out += "\nThis folder: \(rows.count) samples (\(refine) refine, \(rows.count - refine) stop) from \(trajectories) trajectories; "
        out += "\(imageCount) distinct images, \(resizedCount) of them resized.\n\n"

        out += "### By task\n\n| task | samples | refine | stop |\n|---|---:|---:|---:|\n"
        var tasks: [String: (Int, Int)] = [:]
        for r in rows {
            var c = tasks[r.task] ?? (0, 0)
            if r.kind == .refine { c.0 += 1 } else { c.1 += 1 }
            tasks[r.task] = c
        }
        for task in tasks.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let c = tasks[task]!
            out += "| \(task) | \(c.0 + c.1) | \(c.0) | \(c.1) |\n"
        }

        out += "\n### By critique score bin\n\nBin = floor(overall / \(JSONNumber.format(binning.width))) of the critiqued image's score, clamped to 0...\(binning.topBin).\n\n"
        var bins = Array(repeating: 0, count: binning.topBin + 1)
        for r in rows { bins[binning.bin(of: r.critiqueScore.overall)] += 1 }
        out += histogram(label: "bin", rows: bins.enumerated().map { (String($0.offset), $0.element) })

        out += "\n### Trajectory variance\n\nPopulation variance of the overall scores O_1..O_k of each sample's trajectory, by unit interval.\n\n"
        var variance = Array(repeating: 0, count: 11)
        for r in rows {
            let v = JSONNumber.round6(r.trajectoryVariance)
            variance[min(10, max(0, Int(v.rounded(.down))))] += 1
        }
        out += histogram(label: "variance", rows: variance.enumerated().map { ($0.offset == 10 ? ">= 10" : "[\($0.offset), \($0.offset + 1))", $0.element) })

        out += "\n## Files\n\n| file | what |\n|---|---|\n"
        for (file, what) in files { out += "| `\(file)` | \(what) |\n" }

        out += "\n## Provenance\n\n"
        for (key, value) in provenance { out += "- \(key): \(value)\n" }
        return out
    }

    private func histogram(label: String, rows: [(String, Int)]) -> String {
        let top = max(1, rows.map(\.1).max() ?? 1)
        var out = "| \(label) | samples | |\n|---|---:|---|\n"
        for (name, n) in rows {
            let bar = String(repeating: "#", count: n == 0 ? 0 : max(1, n * 40 / top))
            out += "| \(name) | \(n) | \(bar) |\n"
        }
        return out
    }
}
