import ArgumentParser
import ThinkEditBenchmarks

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print their figures (see docs/benchmarks.md).",
        subcommands: [
            BenchImportCommand.self,
            BenchImagesCommand.self,
            BenchSyntheticCommand.self,
            BenchCurationCommand.self,
            BenchExportCommand.self,
            BenchHTTPCommand.self,
            BenchGenerateCommand.self,
            BenchGenerateHTTPCommand.self,
            BenchBatchCommand.self,
            BenchCacheCommand.self,
        ]
    )
}
