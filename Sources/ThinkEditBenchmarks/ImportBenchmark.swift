import Foundation
import ThinkEditCore
import ThinkEditImaging
import ThinkEditPipeline
import ThinkEditStore

/// `thinkedit bench import`: writes a trajectory JSONL of `count` trajectories with `turns` scored
/// turns each, whose images are a few shared small PNG files, then imports it into fresh work
/// directories `repeats` times and reports trajectories per second (median).
package struct ImportBenchmark {
    package var count: Int
    package var turns: Int
    package var repeats: Int
    package var folder: String

    package init(count: Int = 100_000, turns: Int = 4, repeats: Int = 3, folder: String) {
        self.count = count
        self.turns = turns
        self.repeats = repeats
        self.folder = folder
    }

    package struct Result: Sendable {
        package var seconds: [Double]
        package var count: Int
        var fileBytes: Int
        package var median: Double { seconds.sorted()[seconds.count / 2] }
        package var perSecond: Double { Double(count) / median }
    }

    package func run(log: (String) -> Void) throws -> Result {
        let fm = FileManager.default
        try? fm.removeItem(atPath: folder)
        try fm.createDirectory(atPath: folder + "/data/img", withIntermediateDirectories: true)
        // A handful of distinct small images shared by every trajectory.
        var names: [String] = []
        for i in 0..<8 {
            var img = RGBImage(width: 64, height: 64, fill: (UInt8(30 * i), 120, UInt8(255 - 30 * i)))
            for p in stride(from: 0, to: img.pixels.count, by: 7) { img.pixels[p] = UInt8(truncatingIfNeeded: p &* (i + 3)) }
            let name = "img/shared-\(i).png"
            guard fm.createFile(atPath: folder + "/data/" + name, contents: Data(try ImageCodec.encodePNG(img))) else {
                throw StoreError.notWritable(path: folder + "/data/" + name, reason: "cannot create the file")
            }
            names.append(name)
        }
        let file = folder + "/data/trajectories.jsonl"
        guard fm.createFile(atPath: file, contents: nil), let handle = FileHandle(forWritingAtPath: file) else {
            throw StoreError.notWritable(path: file, reason: "cannot create the file")
        }
        var buffer = JSONWriter()
        let tasks = TaskTaxonomy.gedit.tasks
        for n in 0..<count {
            var t = Trajectory(id: String(format: "bench-%07d", n), task: tasks[n % tasks.count],
                               instruction: "make the object number \(n) a little more red", sourceImage: names[n % 8],
                               editor: "bench-editor", endReason: n % 3 == 0 ? .maxTurns : .stop,
                               stopReasoning: n % 3 == 0 ? nil : "the edit now matches the request")
            for k in 1...turns {
                let sc = (n &* 7 &+ k &* 3) % 11, pq = (n &* 5 &+ k) % 11
                t.turns.append(Turn(turn: k, instruction: "turn \(k): paint the object red, keep the rest",
                                    reasoning: k == 1 ? nil : "the previous edit missed part of the object",
                                    image: names[(n + k) % 8], score: Score(semantic: ScoreNumber(sc), quality: ScoreNumber(pq))))
            }
            TrajectoryExporter.write(t, imageName: { $0 }, to: &buffer)
            if buffer.text.utf8.count > 1 << 20 {
                handle.write(Data(buffer.text.utf8))
                buffer.text.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(buffer.text.utf8))
        try handle.close()
        let fileBytes = (try fm.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        log("corpus: \(count) trajectories × \(turns) turns, \(fileBytes / 1_000_000) MB JSONL, 8 shared images")

        let config = try RunConfig.parse("workdir: w\n", file: folder + "/bench.yaml")
        var seconds: [Double] = []
        for r in 0..<repeats {
            let workdir = folder + "/run-\(r)"
            try? fm.removeItem(atPath: workdir)
            var c = config
            c.workdir = workdir
            let store = try RunStore.openForWriting(workdir: workdir)
            let start = DispatchTime.now().uptimeNanoseconds
            let summary = try TrajectoryImporter(config: c, store: store).importFile(file)
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            precondition(summary.inserted == count, "the benchmark import lost rows")
            seconds.append(s)
            log(String(format: "repeat %d: %.2f s, %.0f trajectories/s", r + 1, s, Double(count) / s))
        }
        return Result(seconds: seconds, count: count, fileBytes: fileBytes)
    }
}
