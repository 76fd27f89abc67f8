import Foundation
import ThinkEditCore
import ThinkEditPipeline
import ThinkEditStore

/// `thinkedit bench curation`: puts `count` scored trajectories (2–6 turns, about 4 on average,
/// seeded random scores) into a fresh run, then times filter, unroll and split separately and
/// reports the process's peak memory.
package struct CurationBenchmark {
    package var count: Int
    package var folder: String
    package var seed: UInt64

    package init(count: Int = 1_000_000, folder: String, seed: UInt64 = 1) {
        self.count = count
        self.folder = folder
        self.seed = seed
    }

    package struct Result: Sendable {
        package var turns: Int
        var setupSeconds: Double
        package var stageSeconds: [(String, Double)]
        package var peakMemoryBytes: Int
    }

    package func run(log: @escaping @Sendable (String) -> Void) async throws -> Result {
        try? FileManager.default.removeItem(atPath: folder)
        let config = try RunConfig.parse("workdir: run\nseed: \(seed)\n", file: folder + "/bench.yaml")
        let store = try RunStore.openForWriting(workdir: config.workdir)
        let image = ImageRecord(hash: String(repeating: "0", count: 64), format: .png, width: 1, height: 1, bytes: 1)
        var rng = SplitMix64(seed: seed)
        let tasks = TaskTaxonomy.gedit.tasks
        var turns = 0
        let setupStart = DispatchTime.now().uptimeNanoseconds
        var batch: [Trajectory] = []
        for n in 0..<count {
            let length = 2 + Int(rng.next() % 5)  // 2...6
            var t = Trajectory(id: "traj-\(n)", task: tasks[Int(rng.next() % UInt64(tasks.count))], instruction: "i",
                               sourceImage: image.hash, editor: "e", endReason: rng.next() % 2 == 0 ? .stop : .maxTurns,
                               stopReasoning: "done")
            var base = Int(rng.next() % 9)
            for k in 1...length {
                base = min(10, max(0, base + Int(rng.next() % 5) - 1))
                let sc = ScoreNumber(base), pq = ScoreNumber(min(10, 5 + Int(rng.next() % 6)))
                t.turns.append(Turn(turn: k, instruction: "i", reasoning: k > 1 ? "r" : nil, image: image.hash,
                                    score: Score(semantic: sc, quality: pq)))
            }
            turns += length
            batch.append(t)
            if batch.count == 50_000 || n == count - 1 {
                _ = try store.insertTrajectories(images: [image], trajectories: batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        let setup = Double(DispatchTime.now().uptimeNanoseconds - setupStart) / 1e9
        log(String(format: "setup: %d trajectories, %d turns inserted in %.1f s", count, turns, setup))

        var timings: [(String, Double)] = []
        let context = StageContext(config: config, store: store) { line in log("  " + line) }
        for stage in [FilterStage(), UnrollStage(), SplitStage()] as [any PipelineStage] {
            let start = DispatchTime.now().uptimeNanoseconds
            try await StageRunner.run(stage, context)
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            timings.append((stage.name.rawValue, s))
            log(String(format: "%@: %.2f s", stage.name.rawValue, s))
        }
        return Result(turns: turns, setupSeconds: setup, stageSeconds: timings, peakMemoryBytes: peakResidentBytes())
    }
}

#if canImport(Glibc)
import Glibc
private let RUSAGE_SELF_VALUE = RUSAGE_SELF.rawValue
#else
private let RUSAGE_SELF_VALUE = RUSAGE_SELF
#endif

/// The process's peak resident memory (getrusage), in bytes.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF_VALUE, &usage)
    return usage.ru_maxrss * 1024
}

