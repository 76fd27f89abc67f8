import Dispatch
import Foundation
import ThinkEditCore
import ThinkEditImaging
import ThinkEditPipeline
import ThinkEditStore

/// `thinkedit bench export`: a run of about `samples` step samples with real photo-like images and
/// no model server, exported in every format.
///
/// Trajectories have 4 scored turns that improve to the last and end with a stop, so each gives
/// 4 samples (refine t = 2..4 and the stop sample) and 5 distinct images (the source and every
/// turn's edit), as in a real run. Images are `width` × `height` JPEGs at quality 90 (default
/// 1280 × 1024, above the default 1024 × 1024 budget, so every one is resized): 64 `SyntheticPhoto`
/// bases with the image's number stamped into a corner, so each file is distinct without drawing a
/// new photo for each. The exports are timed through `Exporter` directly (the stage runner would
/// only add the fingerprint).
/// One trajectory in four climbs steeply (variance above 1, RL); the rest are flat (SFT). The
/// stages before export run once; the export runs `repeats` times from an empty folder and each
/// time is printed, with images resized per second.
package struct ExportBenchmark {
    package var samples: Int
    package var folder: String
    package var width: Int
    package var height: Int
    package var repeats: Int

    package init(samples: Int = 20_000, folder: String, width: Int = 1280, height: Int = 1024, repeats: Int = 3) {
        self.samples = samples
        self.folder = folder
        self.width = width
        self.height = height
        self.repeats = repeats
    }

    package struct Result: Sendable {
        package var samples: Int
        package var images: Int
        package var resized: Int
        var setupSeconds: Double
        var exportSeconds: [Double]
        package var resizeSeconds: [Double]
        package var exportRoot: String
        package var medianExport: Double { exportSeconds.sorted()[exportSeconds.count / 2] }
        package var medianResize: Double { resizeSeconds.sorted()[resizeSeconds.count / 2] }
    }

    static let turns = 4

    package func run(log: @escaping @Sendable (String) -> Void) async throws -> Result {
        try? FileManager.default.removeItem(atPath: folder)
        let config = try RunConfig.parse("""
            workdir: run
            seed: 1
            rl: {min_variance: 1.0, trajectories: 1000000}
            sft: {samples: 1000000, min_quality: 7.0}

            """, file: folder + "/bench.yaml")
        let store = try RunStore.openForWriting(workdir: config.workdir)
        let count = max(1, (samples + Self.turns - 1) / Self.turns)
        let setupStart = DispatchTime.now().uptimeNanoseconds
        try makeRun(count: count, store: store)
        let setup = Double(DispatchTime.now().uptimeNanoseconds - setupStart) / 1e9
        log(String(format: "setup: %d trajectories, %d images of %dx%d written in %.1f s", count, count * (Self.turns + 1), width, height, setup))

        let context = StageContext(config: config, store: store) { line in log("  " + line) }
        try await StageRunner.run(SplitStage(), context)
        var exportSeconds: [Double] = [], resizeSeconds: [Double] = []
        var last: Exporter.Summary? = nil
        let template = try UserPromptTemplate.forConfig(file: config.file)
        for i in 0..<max(1, repeats) {
            try? FileManager.default.removeItem(atPath: config.export.dir)
            let exporter = try Exporter(config: config, store: store, template: template)
            let s = try exporter.export()
            exportSeconds.append(s.totalSeconds)
            resizeSeconds.append(s.resizeSeconds)
            last = s
            log(String(format: "export %d: %.2f s (resizing %d images: %.2f s, %.1f images/s)", i + 1, s.totalSeconds, s.resized,
                       s.resizeSeconds, Double(s.resized) / s.resizeSeconds))
        }
        let s = last!
        return Result(samples: s.samples.values.reduce(0, +), images: s.images, resized: s.resized, setupSeconds: setup,
                      exportSeconds: exportSeconds, resizeSeconds: resizeSeconds, exportRoot: config.export.dir)
    }

    /// Writes the images on every core, then inserts the trajectories in one transaction.
    private func makeRun(count: Int, store: RunStore) throws {
        let imageCount = count * (Self.turns + 1)
        let bases = (0..<min(64, imageCount)).map { SyntheticPhoto.make(width: width, height: height, seed: UInt64($0) &+ 1) }
        let records = ResultSlots<ImageRecord>(count: imageCount)
        let w = width, h = height
        DispatchQueue.concurrentPerform(iterations: imageCount) { i in
            records.set(i, Swift.Result {
                var image = bases[i % bases.count]
                Self.stamp(i, into: &image)
                let bytes = try ImageCodec.encodeJPEG(image, quality: 90)
                let hash = ContentHash.sha256Hex(bytes)
                try store.images.put(bytes, hash: hash, format: .jpeg)
                return ImageRecord(hash: hash, format: .jpeg, width: w, height: h, bytes: bytes.count)
            })
        }
        let images = try (0..<imageCount).map { try records.get($0) }
        let tasks = TaskTaxonomy.gedit.tasks
        var trajectories: [Trajectory] = []
        trajectories.reserveCapacity(count)
        for n in 0..<count {
            let steep = n % 4 == 0
            let first = n * (Self.turns + 1)
            var t = Trajectory(id: String(format: "bench-%07d", n), task: tasks[n % tasks.count],
                               instruction: "make object \(n) look like it is made of polished copper",
                               sourceImage: images[first].hash, editor: n % 2 == 0 ? "flux-kontext" : "qwen-image-edit",
                               endReason: .stop, stopReasoning: "the object now reads as polished copper and nothing else changed")
            for k in 1...Self.turns {
                // Steep: 3, 5, 7, 9 (variance 5). Flat: 7, 7, 8, 8 with quality 7, 8, 8, 9 (the last is best).
                let sc = steep ? 1 + 2 * k : (k <= 2 ? 7 : 8)
                let pq = steep ? 1 + 2 * k : [7, 8, 8, 9][k - 1]
                t.turns.append(Turn(turn: k, instruction: "step \(k): recolour object \(n) as polished copper, keep the background",
                                    reasoning: k == 1 ? nil : "step \(k - 1) left part of the object untouched and dulled the highlights",
                                    image: images[first + k].hash, score: Score(semantic: ScoreNumber(sc), quality: ScoreNumber(pq))))
            }
            trajectories.append(t)
        }
        _ = try store.insertTrajectories(images: images, trajectories: trajectories)
    }

    /// Writes the 32 bits of `n` as black and white 8 × 8 squares in the top-left corner.
    static func stamp(_ n: Int, into image: inout RGBImage) {
        let stride = image.width * 3
        for bit in 0..<32 {
            let value: UInt8 = (n >> bit) & 1 == 1 ? 255 : 0
            for y in 0..<8 {
                let row = y * stride + bit * 8 * 3
                for x in 0..<24 { image.pixels[row + x] = value }
            }
        }
    }
}
