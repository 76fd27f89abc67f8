import Foundation
import Testing
import ThinkEditCore

@Suite struct Base64Tests {
    @Test func encodesAsFoundationDoesForEveryRemainder() {
        var rng = SplitMix64(seed: 11)
        for length in Array(0...70) + [1_000, 3 * 4_096 + 1, 1_500_002] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString(), "\(length) bytes")
        }
    }

    @Test func knownVectors() {
        // RFC 4648, section 10.
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
        }
        #expect(Base64.encode([0xfb, 0xff, 0xbf]) == "+/+/")
    }
}
