import Testing
@testable import ThinkEditImaging

/// Damaged files in bulk: every mutation either decodes to an image of the announced size or fails
/// with an `ImageError` naming the file. A crash, a hang or another error type fails the test (and
/// under AddressSanitizer, any out-of-bounds access or leak on the error paths).
@Suite("Mutated inputs")
struct MutationTests {
    struct Mutator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static func outcomes(of original: [UInt8], name: String, seed: UInt64, count: Int) -> (decoded: Int, failed: Int, wrong: [String]) {
        var rng = Mutator(state: seed)
        var decoded = 0, failed = 0
        var wrong: [String] = []
        for round in 0..<count {
            var bytes = original
            switch round % 3 {
            case 0:  // flip a few bytes anywhere after the signature
                for _ in 0..<(1 + rng.next(4)) {
                    let i = 8 + rng.next(bytes.count - 8)
                    bytes[i] ^= UInt8(1 + rng.next(255))
                }
            case 1:  // cut
                bytes = Array(bytes.prefix(rng.next(bytes.count)))
            default:  // overwrite a run with one value
                let start = rng.next(bytes.count), length = 1 + rng.next(32)
                for i in start..<min(bytes.count, start + length) { bytes[i] = UInt8(rng.next(256)) }
            }
            do {
                let image = try ImageCodec.decode(bytes, name: name)
                let info = try ImageCodec.info(bytes, name: name)
                if image.width != info.width || image.height != info.height { wrong.append("round \(round): size mismatch") }
                decoded += 1
            } catch let error as ImageError {
                if !error.description.contains(name) { wrong.append("round \(round): message lacks the name: \(error)") }
                failed += 1
            } catch {
                wrong.append("round \(round): untyped error \(error)")
            }
        }
        return (decoded, failed, wrong)
    }

    @Test("mutated PNGs decode or fail with a named ImageError")
    func mutatedPNGs() throws {
        let png = try ImageCodec.encodePNG(SyntheticPhoto.make(width: 48, height: 32, seed: 1))
        let result = Self.outcomes(of: png, name: "m.png", seed: 7, count: 300)
        #expect(result.wrong.isEmpty, "\(result.wrong.prefix(5))")
        #expect(result.failed > 0)  // CRCs make almost every PNG mutation detectable
    }

    @Test("mutated JPEGs decode or fail with a named ImageError")
    func mutatedJPEGs() throws {
        let jpeg = try ImageCodec.encodeJPEG(SyntheticPhoto.make(width: 48, height: 32, seed: 1), quality: 85)
        let result = Self.outcomes(of: jpeg, name: "m.jpg", seed: 11, count: 300)
        #expect(result.wrong.isEmpty, "\(result.wrong.prefix(5))")
        #expect(result.failed > 0)
    }

    @Test("mutated progressive and CMYK JPEG fixtures decode or fail with a named ImageError",
          arguments: ["progressive.jpg", "cmyk.jpg", "rgba8_interlaced.png", "palette8_trns.png"])
    func mutatedFixtures(file: String) throws {
        let result = Self.outcomes(of: try fixture(file), name: file, seed: 3, count: 150)
        #expect(result.wrong.isEmpty, "\(result.wrong.prefix(5))")
    }
}
