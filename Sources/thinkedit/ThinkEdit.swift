import ArgumentParser

@main
struct ThinkEdit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thinkedit",
        abstract: "Build THINKEDIT-style training data for image-editing thinker models.",
        discussion: "Stages: pool → generate → score → filter → unroll → split → export. Each is resumable; state lives in <workdir>/thinkedit.sqlite.",
        subcommands: [
            RunCommand.self,
            PoolCommand.self,
            GenerateCommand.self,
            ScoreCommand.self,
            FilterCommand.self,
            UnrollCommand.self,
            SplitCommand.self,
            ExportCommand.self,
            TrajectoriesCommand.self,
            StatusCommand.self,
            BatchesCommand.self,
            BatchCommand.self,
            ReportCommand.self,
            ServeCommand.self,
            RetryFailedCommand.self,
            MergeCommand.self,
            PromptsCommand.self,
            BenchCommand.self,
        ]
    )
}
