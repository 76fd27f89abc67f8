import Testing
@testable import ThinkEditCore
@testable import ThinkEditPipeline

/// The stage graph is read from each stage's `inputs`; what a new output makes stale follows.
@Suite struct StageGraphTests {
    @Test func downstreamFollowsInputsTransitively() {
        #expect(StageGraph.downstream(of: .pool) == [.generate, .score, .filter, .unroll, .split, .export])
        #expect(StageGraph.downstream(of: .generate) == [.score, .filter, .unroll, .split, .export])
        #expect(StageGraph.downstream(of: .filter) == [.unroll, .split, .export])
        #expect(StageGraph.downstream(of: .split) == [.export])
        #expect(StageGraph.downstream(of: .export).isEmpty)
    }

    @Test func aStageClearsItsOwnAndEveryDownstreamTableMostDownstreamFirst() {
        #expect(StageGraph.stale(FilterStage()) == [.splitMember, .sample, .curation])
        #expect(StageGraph.stale(UnrollStage()) == [.splitMember, .sample])
        #expect(StageGraph.stale(SplitStage()) == [.splitMember])
        // Generate and score add to their output as they go: what they make stale is cleared
        // through the data version, and they replace no table.
        #expect(StageGraph.stale(GenerateStage()) == [.splitMember, .sample, .curation])
    }

    @Test func theGraphIsDeclaredOnceInPipelineOrder() {
        #expect(StageGraph.stages.map(\.name) == StageName.allCases)
        for stage in StageGraph.stages {
            // Every input comes before the stage that reads it.
            #expect(stage.inputs.allSatisfy { $0 < stage.name }, "\(stage.name)")
        }
        #expect(StageGraph.stages.filter(\.callsModels).map(\.name) == [.generate, .score])
    }

    @Test func everyOutputTableHasExactlyOneProducer() {
        let produced = StageGraph.stages.flatMap(\.produces)
        #expect(produced.sorted { $0.rawValue < $1.rawValue } == OutputTable.allCases.sorted { $0.rawValue < $1.rawValue })
    }
}
