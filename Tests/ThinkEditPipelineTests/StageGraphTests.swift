import Testing
import ThinkEditCore
@testable import ThinkEditPipeline

/// The stage graph is read from each stage's `upstream`; what a new output makes stale follows.
@Suite struct StageGraphTests {
    @Test func downstreamFollowsUpstreamTransitively() {
        #expect(StageGraph.downstream(of: .filter) == [.unroll, .split, .export])
        #expect(StageGraph.downstream(of: .split) == [.export])
        #expect(StageGraph.downstream(of: .export).isEmpty)
    }

    @Test func aStageClearsItsOwnAndEveryDownstreamTableMostDownstreamFirst() {
        #expect(StageGraph.stale(FilterStage()) == [.splitMember, .sample, .curation])
        #expect(StageGraph.stale(UnrollStage()) == [.splitMember, .sample])
        #expect(StageGraph.stale(SplitStage()) == [.splitMember])
        #expect(StageGraph.stale(GenerateStage()).isEmpty)
    }

    @Test func everyOutputTableHasExactlyOneProducer() {
        let produced = StageGraph.stages.flatMap(\.produces)
        #expect(produced.sorted { $0.rawValue < $1.rawValue } == OutputTable.allCases.sorted { $0.rawValue < $1.rawValue })
    }
}
