import Foundation
import Testing
@testable import ThinkEditImaging
@testable import ThinkEditSynthetic

@Suite("Pool synthesizer")
struct PoolTests {
    @Test func aPoolWrittenInParallelChunksHasEveryRowInIndexOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("syn-pool-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // More rows than one round of chunks on any machine with few cores, with a ragged end.
        let count = 64 * 5 + 7
        try SyntheticPool.write(count: count, seed: 3, to: dir.path, imageSize: 24)
        let lines = try String(contentsOf: dir.appendingPathComponent("pool.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == count)
        for index in [1, 64, 65, 200, count] {
            #expect(String(lines[index - 1]) == SyntheticPool.row(try SyntheticPool.item(index: index, seed: 3, imageSize: 24)))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("pool.jsonl.partial").path))
    }

    @Test func thePrecisionMixDecidesHowInstructionsAreWorded() throws {
        let precise = PrecisionMix(precise: 1, ambiguous: 0, vague: 0)
        let vague = PrecisionMix(precise: 0, ambiguous: 0, vague: 1)
        for index in 1...40 {
            #expect(try SyntheticPool.item(index: index, seed: 5, imageSize: 24, precisionMix: precise).truth.precision == .precise)
            #expect(try SyntheticPool.item(index: index, seed: 5, imageSize: 24, precisionMix: vague).truth.precision == .vague)
        }
        // The standard mix: 92 / 5 / 3 %, so about 276 / 15 / 9 of 300.
        let drawn = try (1...300).map { try SyntheticPool.item(index: $0, seed: 5, imageSize: 24).truth.precision }
        let preciseCount = drawn.filter { $0 == .precise }.count, vagueCount = drawn.filter { $0 == .vague }.count
        #expect(preciseCount > 260 && preciseCount < 292, "\(preciseCount) precise")
        #expect(vagueCount >= 2 && vagueCount < 20 && drawn.count - preciseCount - vagueCount >= 5, "\(vagueCount) vague")
    }

    @Test func rowsFollowThePoolFormatAndPointAtDecodableImages() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("syn-pool-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try SyntheticPool.write(count: 30, seed: 7, to: dir.path, imageSize: 64)
        let text = try String(contentsOf: dir.appendingPathComponent("pool.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 30)
        var extensions = Set<String>()
        for (k, line) in lines.enumerated() {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(row["id"] as? String == "syn-" + SyntheticPool.padded(k + 1))
            let image = try #require(row["image"] as? String)
            #expect(image.hasPrefix("images/s-"))
            extensions.insert(String(image.suffix(3)))
            #expect(!(row["instruction"] as? String ?? "").isEmpty)
            #expect(EditAction(task: row["task"] as? String ?? "") != nil)
            #expect(row["source"] as? String == "synthetic")
            let meta = try #require(row["meta"] as? [String: Any])
            let metaText = String(decoding: try JSONSerialization.data(withJSONObject: meta), as: UTF8.self)
            let truth = try SyntheticTruth.fromMeta(metaText, item: "row")
            #expect(truth.size == 64)
            let bytes = try #require(FileManager.default.contents(atPath: dir.appendingPathComponent(image).path))
            let decoded = try ImageCodec.decode([UInt8](bytes), name: image)
            #expect(decoded.width == 64)
            if image.hasSuffix("png") { #expect(decoded == truth.scene.render(size: 64)) }
        }
        #expect(extensions == ["png", "jpg"])
    }

    @Test func aJPEGSourceStaysCloseToItsScene() throws {
        let item = try (1...40).lazy.map { try SyntheticPool.item(index: $0, seed: 7, imageSize: 128) }.first { $0.imagePath.hasSuffix(".jpg") }
        let jpeg = try #require(item)
        let decoded = try ImageCodec.decode(jpeg.imageBytes, name: "jpeg")
        let comparison = PixelComparison.compare(edited: decoded, source: jpeg.truth.scene.render(size: 128),
                                                 target: jpeg.truth.scene.render(size: 128),
                                                 labels: [UInt8](repeating: 0, count: 128 * 128), shapeCount: 0)
        #expect(comparison.accuracy > 0.9 || comparison.offTargetAll < 128 * 128 / 50)
    }

    @Test func badSettingsAreRefused() {
        #expect(throws: SyntheticError.self) { try SyntheticPool.item(index: 1, seed: 1, imageSize: 8) }
        #expect(throws: SyntheticError.self) { try SyntheticPool.write(count: -1, seed: 1, to: "/tmp/never") }
    }
}
