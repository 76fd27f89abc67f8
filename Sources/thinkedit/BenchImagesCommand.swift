import ArgumentParser
import Foundation
import ThinkEditBenchmarks
import ThinkEditCore
import ThinkEditImaging

/// `thinkedit bench images`: images per second for decode → resize → encode, thinkedit against
/// Pillow on the same generated corpus, 1 and 2 threads, one Markdown table (medians).
struct BenchImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Benchmark the imaging module against Pillow (decode, resize, encode).",
        discussion: "Build with `swift build -c release` first; scripts/bench/images.sh does both."
    )

    @Option(help: "Folder for the generated corpus (PNG + JPEG files and manifest.json).")
    var corpus: String = FileManager.default.temporaryDirectory.appendingPathComponent("thinkedit-bench-images").path

    @Option(help: "Images of each format in the corpus.")
    var count: Int = 8

    @Option(help: "Width of the corpus images.")
    var width: Int = 2048

    @Option(help: "Height of the corpus images.")
    var height: Int = 1536

    @Option(help: "Timed repetitions per cell (after one warm-up); the table shows the median.")
    var repetitions: Int = 5

    @Option(help: "Comma-separated thread counts.")
    var threads: String = "1,2"

    @Option(help: "Pixel budget of the resized output.")
    var maxPixels: Int = 1024 * 1024

    @Option(help: "zlib level of the PNG output (both sides).")
    var pngLevel: Int = PNGEncodeOptions().compressionLevel

    @Option(help: "Quality of the JPEG output (both sides, 4:2:0 chroma).")
    var jpegQuality: Int = 90

    @Option(help: "Resize filter: box, triangle, bicubic, lanczos3 (both sides).")
    var filter: String = ResizeFilter.bicubic.rawValue

    @Option(help: "The Pillow side of the benchmark.")
    var pillowScript: String = "scripts/bench/images_pillow.py"

    @Option(help: "The Python interpreter that has Pillow.")
    var python: String = "python3"

    @Flag(help: "Measure thinkedit only.")
    var noPillow = false

    func run() async throws {
        guard let resizeFilter = ResizeFilter(rawValue: filter) else {
            throw ValidationError("unknown filter '\(filter)'; use one of \(ResizeFilter.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let threadCounts = threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--threads must list positive integers, e.g. 1,2")
        }
        let settings = ImageBenchmark.Settings(
            maxPixels: maxPixels, filter: resizeFilter,
            png: PNGEncodeOptions(compressionLevel: pngLevel, filters: .all),
            jpeg: JPEGEncodeOptions(quality: jpegQuality, subsampleChroma: true))

        print("generating \(count) PNG + \(count) JPEG photo-like images of \(width)×\(height) in \(corpus) ...")
        let items = try ImageBenchmark.makeCorpus(count: count, width: width, height: height, maxPixels: maxPixels, seed: 2026)
        try writeCorpus(items)

        var rows: [Row] = []
        for format in [ImageFormat.png, .jpeg] {
            let subset = items.filter { $0.format == format }
            for t in threadCounts {
                let timing = try ImageBenchmark.time(subset, threads: t, repetitions: repetitions, settings: settings)
                rows.append(Row(implementation: "thinkedit", format: format, threads: t, images: subset.count,
                                seconds: timing.seconds, cpuSeconds: timing.cpuSeconds, outputBytes: timing.outputBytes))
                print("thinkedit \(format.rawValue) \(t) thread(s): \(Self.fmt(rows.last!.imagesPerSecond)) img/s")
            }
        }
        var pillowVersion: String?
        if !noPillow {
            let pillow = try runPillow(threadCounts: threadCounts)
            pillowVersion = pillow.version
            rows += pillow.rows
        }
        printTable(rows, pillowVersion: pillowVersion, threadCounts: threadCounts)
    }

    // MARK: Corpus and Pillow

    private func writeCorpus(_ items: [ImageBenchmark.Item]) throws {
        let folder = URL(fileURLWithPath: corpus)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var manifest: [[String: Any]] = []
        for item in items {
            try Data(item.bytes).write(to: folder.appendingPathComponent(item.name))
            manifest.append(["file": item.name, "format": item.format.rawValue, "target": [item.targetWidth, item.targetHeight]])
        }
        let json = try JSONSerialization.data(withJSONObject: ["items": manifest], options: [.prettyPrinted, .sortedKeys])
        try json.write(to: folder.appendingPathComponent("manifest.json"))
    }

    private struct PillowOutput: Decodable {
        struct Result: Decodable {
            let format: String
            let threads: Int
            let images: Int
            let seconds: [Double]
            let cpu_seconds: [Double]
            let output_bytes: Int
        }
        let pillow: String
        let results: [Result]
    }

    private func runPillow(threadCounts: [Int]) throws -> (version: String, rows: [Row]) {
        guard FileManager.default.fileExists(atPath: pillowScript) else {
            throw ValidationError("Pillow script not found at \(pillowScript); run from the repository root or pass --pillow-script, or use --no-pillow")
        }
        print("running Pillow (\(pillowScript)) ...")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, pillowScript, "--corpus", corpus,
                             "--threads", threadCounts.map(String.init).joined(separator: ","),
                             "--repetitions", String(repetitions), "--png-level", String(pngLevel),
                             "--jpeg-quality", String(jpegQuality), "--filter", filter]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("the Pillow benchmark failed (exit \(process.terminationStatus)); is Pillow installed? (pip install pillow)")
        }
        let parsed = try JSONDecoder().decode(PillowOutput.self, from: data)
        let rows = parsed.results.map {
            Row(implementation: "Pillow", format: $0.format == "png" ? .png : .jpeg, threads: $0.threads,
                images: $0.images, seconds: $0.seconds, cpuSeconds: $0.cpu_seconds, outputBytes: $0.output_bytes)
        }
        return (parsed.pillow, rows)
    }

    // MARK: Table

    private struct Row {
        let implementation: String
        let format: ImageFormat
        let threads: Int
        let images: Int
        let seconds: [Double]
        let cpuSeconds: [Double]
        let outputBytes: Int

        static func median(_ values: [Double]) -> Double {
            let s = values.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }

        var imagesPerSecond: Double { Double(images) / Self.median(seconds) }

        /// Images per CPU-second (median): the work's cost, whatever share of the machine it got.
        var imagesPerCPUSecond: Double { Double(images) / Self.median(cpuSeconds) }

        /// Median over repetitions of CPU seconds / wall seconds: how many cores were busy.
        var coresBusy: Double { Self.median(zip(cpuSeconds, seconds).map { $0 / $1 }) }
    }

    private static func fmt(_ value: Double, digits: Int = 2) -> String {
        String(format: "%.\(digits)f", value)
    }

    private func printTable(_ rows: [Row], pillowVersion: String?, threadCounts: [Int]) {
        let target = RGBImage.fittingSize(width: width, height: height, maxPixels: maxPixels)
        print("")
        print("decode → resize \(width)×\(height) to \(target.width)×\(target.height) (\(filter)) → encode; "
              + "\(count) PNG + \(count) JPEG; PNG zlib \(pngLevel), JPEG q\(jpegQuality) 4:2:0; "
              + "median of \(repetitions) repetitions" + (pillowVersion.map { "; Pillow \($0)" } ?? ""))
        print("")
        print("| implementation | threads | PNG img/s | JPEG img/s | cores busy (PNG / JPEG) | img per CPU-s (PNG / JPEG) | PNG out KiB/img | JPEG out KiB/img |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        func find(_ impl: String, _ format: ImageFormat, _ t: Int) -> Row? {
            rows.first { $0.implementation == impl && $0.format == format && $0.threads == t }
        }
        for impl in ["thinkedit", "Pillow"] {
            for t in threadCounts {
                guard let png = find(impl, .png, t), let jpeg = find(impl, .jpeg, t) else { continue }
                print("| \(impl) | \(t) | \(Self.fmt(png.imagesPerSecond)) | \(Self.fmt(jpeg.imagesPerSecond)) | "
                      + "\(Self.fmt(png.coresBusy)) / \(Self.fmt(jpeg.coresBusy)) | "
                      + "\(Self.fmt(png.imagesPerCPUSecond)) / \(Self.fmt(jpeg.imagesPerCPUSecond)) | "
                      + "\(png.outputBytes / png.images / 1024) | \(jpeg.outputBytes / jpeg.images / 1024) |")
            }
        }
        print("")
        for format in [ImageFormat.png, .jpeg] {
            var notes: [String] = []
            if let first = threadCounts.first, let one = find("thinkedit", format, first) {
                if let pillow = find("Pillow", format, first) {
                    notes.append("thinkedit/Pillow at \(first) thread(s) = \(Self.fmt(one.imagesPerSecond / pillow.imagesPerSecond))×")
                }
                for t in threadCounts.dropFirst() {
                    if let many = find("thinkedit", format, t) {
                        notes.append("thinkedit \(t)/\(first) threads = \(Self.fmt(many.imagesPerSecond / one.imagesPerSecond))×")
                    }
                    if let pOne = find("Pillow", format, first), let pMany = find("Pillow", format, t) {
                        notes.append("Pillow \(t)/\(first) threads = \(Self.fmt(pMany.imagesPerSecond / pOne.imagesPerSecond))×")
                    }
                }
            }
            print("\(format.rawValue.uppercased()): " + notes.joined(separator: "; "))
        }
    }
}
