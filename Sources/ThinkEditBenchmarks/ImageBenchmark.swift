import Foundation
import ThinkEditCore
import ThinkEditImaging
import ThinkEditPipeline

/// The `thinkedit bench images` workload, kept next to the code it measures: decode → fit into a
/// pixel budget → re-encode in the same format, over a generated corpus of photo-like images, on a
/// fixed number of threads. Images are independent, so threads take every T-th image.
package enum ImageBenchmark {
    /// One encoded input plus the size the workload must produce (shared with the Pillow side so
    /// both produce exactly the same output sizes).
    package struct Item: Sendable {
        package let name: String
        package let format: ImageFormat
        package let bytes: [UInt8]
        package let targetWidth: Int
        package let targetHeight: Int
    }

    /// What the workload produces: the pixel budget, the resize filter and both encoders' options.
    package struct Settings: Sendable {
        package var maxPixels: Int
        package var filter: ResizeFilter
        package var png: PNGEncodeOptions
        package var jpeg: JPEGEncodeOptions

        package init(maxPixels: Int, filter: ResizeFilter, png: PNGEncodeOptions, jpeg: JPEGEncodeOptions) {
            self.maxPixels = maxPixels
            self.filter = filter
            self.png = png
            self.jpeg = jpeg
        }
    }

    /// `count` images of each format, `width` × `height`, from `SyntheticPhoto` with seeds
    /// seed, seed+1, ... Inputs are written the way files usually arrive: PNG at zlib level 6 with
    /// adaptive filters, JPEG at quality 92 with 4:2:0 chroma.
    package static func makeCorpus(count: Int, width: Int, height: Int, maxPixels: Int, seed: UInt64) throws -> [Item] {
        let target = RGBImage.fittingSize(width: width, height: height, maxPixels: maxPixels)
        var items: [Item] = []
        for i in 0..<count {
            let photo = SyntheticPhoto.make(width: width, height: height, seed: seed &+ UInt64(i))
            let png = try ImageCodec.encodePNG(photo, options: PNGEncodeOptions(compressionLevel: 6, filters: .all))
            let jpeg = try ImageCodec.encodeJPEG(photo, options: JPEGEncodeOptions(quality: 92, subsampleChroma: true))
            items.append(Item(name: String(format: "photo-%03d.png", i), format: .png, bytes: png,
                              targetWidth: target.width, targetHeight: target.height))
            items.append(Item(name: String(format: "photo-%03d.jpg", i), format: .jpeg, bytes: jpeg,
                              targetWidth: target.width, targetHeight: target.height))
        }
        return items
    }

    /// The unit of work; returns the encoded output size.
    package static func process(_ item: Item, settings: Settings) throws -> Int {
        let image = try ImageCodec.decode(item.bytes, name: item.name, fittingMaxPixels: settings.maxPixels, filter: settings.filter)
        guard image.width == item.targetWidth && image.height == item.targetHeight else {
            throw ImageError.codecFailure(name: item.name, detail: "benchmark produced \(image.width)×\(image.height), expected \(item.targetWidth)×\(item.targetHeight)")
        }
        switch item.format {
        case .png: return try ImageCodec.encodePNG(image, options: settings.png).count
        case .jpeg: return try ImageCodec.encodeJPEG(image, options: settings.jpeg).count
        }
    }

    /// Timings of one cell of the benchmark.
    package struct Timing: Sendable {
        /// Wall-clock seconds of each timed repetition.
        package let seconds: [Double]
        /// CPU seconds (all threads of the process) of each timed repetition: seconds × cores busy.
        package let cpuSeconds: [Double]
        /// Total encoded output of one repetition.
        package let outputBytes: Int
    }

    /// Times `repetitions` runs of the whole of `items` on `threads` threads, after one untimed
    /// warm-up run. CPU time is recorded too, so a shortfall in multi-thread scaling can be told
    /// apart: per-image CPU that grows means contention in the code, CPU that does not reach
    /// `threads` cores means the machine had no free core to give.
    package static func time(_ items: [Item], threads: Int, repetitions: Int, settings: Settings) throws -> Timing {
        precondition(threads >= 1 && repetitions >= 1)
        var outputBytes = 0
        var seconds: [Double] = []
        var cpuSeconds: [Double] = []
        for repetition in 0...repetitions {
            let cpuStart = processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            let bytes = try runOnce(items, threads: threads, settings: settings)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if repetition > 0 {
                seconds.append(elapsed)
                cpuSeconds.append(processCPUSeconds() - cpuStart)
            }
            outputBytes = bytes
        }
        return Timing(seconds: seconds, cpuSeconds: cpuSeconds, outputBytes: outputBytes)
    }

    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)  // Glibc imports the `who` constants as an enum
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func runOnce(_ items: [Item], threads: Int, settings: Settings) throws -> Int {
        let results = ResultSlots<Int>(count: threads)
        // Dedicated threads, not Dispatch's pool: the figure must be for exactly `threads` threads.
        let done = DispatchGroup()
        for worker in 0..<threads {
            done.enter()
            let thread = Thread {
                var total = 0
                do {
                    for index in stride(from: worker, to: items.count, by: threads) {
                        total += try process(items[index], settings: settings)
                    }
                    results.set(worker, .success(total))
                } catch {
                    results.set(worker, .failure(error))
                }
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return try (0..<threads).reduce(0) { try $0 + results.get($1) }
    }
}
