import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditImaging
@testable import ThinkEditSynthetic

@Suite("Determinism")
struct DeterminismTests {
    let truth = Fixture.truth(precision: .ambiguous)
    let instruction = "make the circle blue"

    func editRequest(turn: Int, seed: UInt64 = 11) throws -> EditRequest {
        EditRequest(item: try Fixture.context(truth, instruction: instruction), turn: turn, instruction: instruction, seed: seed)
    }

    @Test func theSameEditRequestGivesTheSameBytes() async throws {
        let editor = SyntheticEditor(seed: 3)
        for turn in 1...5 {
            let a = try await editor.edit(try editRequest(turn: turn))
            let b = try await SyntheticEditor(seed: 3).edit(try editRequest(turn: turn))
            #expect(a.image == b.image)
        }
    }

    @Test func theRunSeedAndTheTurnChangeTheDraws() async throws {
        var outputs = Set<[UInt8]>()
        for seed in 0..<12 {
            outputs.insert(try await SyntheticEditor(seed: UInt64(seed)).edit(try editRequest(turn: 1)).image)
        }
        #expect(outputs.count > 1, "an ambiguous request must not always come out the same")
    }

    @Test func concurrentCallsGiveWhatSequentialCallsGive() async throws {
        let editor = SyntheticEditor(seed: 5)
        let judge = SyntheticJudge(seed: 5)
        var sequential: [Int: [UInt8]] = [:]
        for turn in 1...8 { sequential[turn] = try await editor.edit(try editRequest(turn: turn)).image }
        let parallel = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for turn in 1...8 {
                let request = try editRequest(turn: turn)
                group.addTask { (turn, try await editor.edit(request).image) }
            }
            var out: [Int: [UInt8]] = [:]
            for try await (turn, image) in group { out[turn] = image }
            return out
        }
        #expect(parallel == sequential)
        let context = try Fixture.context(truth, instruction: instruction)
        let image = ImagePayload(bytes: sequential[1]!)
        let a = try await judge.judge(JudgeRequest(item: context, turn: 1, edited: image, aspect: .semantic))
        let b = try await judge.judge(JudgeRequest(item: context, turn: 1, edited: image, aspect: .semantic))
        #expect(a == b)
    }

    @Test func theExpertAnswersTheSameForTheSameRequest() async throws {
        let context = try Fixture.context(truth, instruction: instruction)
        let previous = ImagePayload(bytes: try await SyntheticEditor(seed: 1).edit(try editRequest(turn: 1)).image)
        let request = ThinkRequest(item: context, turn: 2, previousImage: previous, previousInstruction: instruction)
        let a = try await SyntheticExpert(seed: 8).think(request)
        let b = try await SyntheticExpert(seed: 8).think(request)
        #expect(a == b)
    }

    @Test func thePoolWriterWritesTheSameBytesTwice() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("syn-det-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let a = base.appendingPathComponent("a").path, b = base.appendingPathComponent("b").path
        #expect(try SyntheticPool.write(count: 12, seed: 42, to: a, imageSize: 64) == 12)
        try SyntheticPool.write(count: 12, seed: 42, to: b, imageSize: 64)
        let files = try FileManager.default.subpathsOfDirectory(atPath: a).sorted()
        #expect(files == (try FileManager.default.subpathsOfDirectory(atPath: b).sorted()))
        for file in files where !file.hasSuffix("images") {
            #expect(FileManager.default.contents(atPath: a + "/" + file) == FileManager.default.contents(atPath: b + "/" + file), "\(file)")
        }
    }

    @Test func seededStreamsDependOnEveryPartOfTheKey() {
        var a = SeededRandom("editor", "1", "x", "2")
        var b = SeededRandom("editor", "1", "x", "2")
        var c = SeededRandom("editor", "1", "x", "3")
        let sa = (0..<4).map { _ in a.next() }
        #expect(sa == (0..<4).map { _ in b.next() })
        #expect(sa != (0..<4).map { _ in c.next() })
    }
}
