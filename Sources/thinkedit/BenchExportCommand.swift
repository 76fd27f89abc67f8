import ArgumentParser
import Foundation
import ThinkEditBenchmarks
import ThinkEditPipeline

struct BenchExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Time the export of about N samples with photo-like 1280x1024 images (no model server)."
    )

    @Option(help: "Samples to export (4 per trajectory).") var samples = 20_000
    @Option(help: "Exports to time (the median is reported).") var repeats = 3
    @Option(help: "Scratch folder (deleted and re-created); the export is left in <folder>/run/export.") var folder = NSTemporaryDirectory() + "thinkedit-bench-export"

    func run() async throws {
        let r = try await ExportBenchmark(samples: samples, folder: folder, repeats: repeats).run { print($0) }
        print(String(format: "export of %d samples, %d images (%d resized): median %.2f s; resizing median %.2f s = %.1f images resized/s",
                     r.samples, r.images, r.resized, r.medianExport, r.medianResize, Double(r.resized) / r.medianResize))
        print("export root: \(r.exportRoot)")
    }
}
