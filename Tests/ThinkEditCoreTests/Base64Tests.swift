import Foundation
import Testing
@testable import ThinkEditCore

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

    func strict(_ text: String) -> [UInt8]? {
        Array(text.utf8).withUnsafeBufferPointer { Base64.decodeStrict($0) }
    }

    @Test func decodesWhatItEncodesForEveryRemainder() {
        var rng = SplitMix64(seed: 12)
        for length in Array(0...70) + [1_000, 3 * 4_096 + 1, 1_500_002] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(strict(Data(bytes).base64EncodedString()) == bytes, "\(length) bytes")
        }
        #expect(strict("Zm9vYmE=") == Array("fooba".utf8))
        #expect(strict("+/+/") == [0xfb, 0xff, 0xbf])
    }

    @Test func refusesEveryByteOutsideTheAlphabetInsideALongText() {
        // Long enough for the wide blocks (32 characters each); positions spread over them.
        var rng = SplitMix64(seed: 13)
        let text = Array(Data((0..<300).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).base64EncodedString().utf8)
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for value in 0...255 where !alphabet.contains(UInt8(value)) {
            var bad = text
            bad[value * 37 % 392] = UInt8(value)
            #expect(bad.withUnsafeBufferPointer { Base64.decodeStrict($0) } == nil, "byte \(value)")
        }
    }

    @Test func refusesEveryOtherForm() {
        // Whitespace or a line break, a wrong length, characters outside the alphabet (URL-safe
        // ones included), padding in the middle, and set bits after the last byte ("Zh==" decodes
        // to "f" too, but is not what encoding "f" gives).
        for text in ["Zm9v\nYmFy", "Zm9 vYmFy", "Zm9vY", "Zm9vYg=", "Zm9v-_9v", "Zg==Zg==", "====", "Zh==", "Zm9=", "Zm8=\u{0}"] {
            #expect(strict(text) == nil, "\(text.debugDescription)")
        }
    }
}
