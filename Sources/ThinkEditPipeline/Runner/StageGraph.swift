import GRDB
import ThinkEditCore
import ThinkEditStore

/// A table that holds a stage's output, as the stage declares it (`PipelineStage.produces`).
package enum OutputTable: String, Sendable, Hashable, CaseIterable {
    case curation
    case sample
    case splitMember = "split_member"
}

/// The stages and how they depend on each other, from each stage's `inputs` — the one place
/// the graph is written (the order is `StageName`'s). The runner asks it what to bring up to date
/// first and what a stage's new output makes stale; the curation stages' fingerprints take their
/// inputs' part from it.
enum StageGraph {
    /// The stage of a name.
    package static func stage(named name: StageName) -> any PipelineStage {
        switch name {
        case .pool: PoolStage()
        case .generate: GenerateStage()
        case .score: ScoreStage()
        case .filter: FilterStage()
        case .unroll: UnrollStage()
        case .split: SplitStage()
        case .export: ExportStage()
        }
    }

    /// Every stage of a run, in pipeline order.
    package static var stages: [any PipelineStage] { StageName.allCases.map(stage(named:)) }

    /// The part of `stage`'s fingerprint that stands for its inputs: each input's fingerprint, or
    /// for the output of model stages (which grows call by call) the run's data version.
    static func inputFingerprints(_ stage: any PipelineStage, _ context: StageContext) throws -> [String] {
        try stage.inputs.map(stage(named:)).map { input in
            input.callsModels ? "data:\(try context.store.dataVersion())" : try input.fingerprint(context)
        }
    }

    /// The names of the stages that read `stage`'s output, directly or through others.
    static func downstream(of stage: StageName) -> Set<StageName> {
        var found = Set<StageName>()
        var changed = true
        while changed {
            changed = false
            for s in stages where !found.contains(s.name) {
                let reads = s.inputs
                if reads.contains(stage) || reads.contains(where: found.contains) {
                    found.insert(s.name)
                    changed = true
                }
            }
        }
        return found
    }

    /// The tables to clear before `stage` writes its output: its own and those of every stage
    /// downstream of it, the most downstream first (a row is removed before the rows it refers to).
    package static func stale(_ stage: any PipelineStage) -> [OutputTable] {
        let after = downstream(of: stage.name)
        let owners = stages.filter { after.contains($0.name) }.reversed() + [stage]
        return owners.flatMap { $0.produces.reversed() }
    }
}

extension StageContext {
    /// Writes `stage`'s new output in one transaction that first clears what it replaces: its own
    /// tables and those of the stages downstream of it (`StageGraph.stale`). Either all of it is
    /// committed or nothing is.
    func replaceOutput<T>(of stage: any PipelineStage, _ body: (Database) throws -> T) throws -> T {
        let tables = StageGraph.stale(stage)
        return try store.writeWithoutForeignKeyChecks { db in
            for table in tables { try db.execute(sql: "DELETE FROM \(table.rawValue)") }
            return try body(db)
        }
    }
}
