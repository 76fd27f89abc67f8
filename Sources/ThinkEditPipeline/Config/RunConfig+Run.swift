import ThinkEditStore

extension RunConfig {
    /// The run in `workdir`, opened by a command that writes it: it holds the run's lock until
    /// the process ends, and a second writer is refused.
    package func openRun() throws -> RunStore { try RunStore.openForWriting(workdir: workdir) }

    /// The run in `workdir`, opened read-only (no lock: it reads beside a writer).
    package func readRun() throws -> RunStore { try RunStore.openForReading(workdir: workdir) }
}
