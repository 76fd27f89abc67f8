import CBase64

/// Standard base64 (RFC 4648, with `=` padding): three bytes to four characters from a 64-entry
/// table, written straight into the destination's storage (a string's, or a buffer a request
/// body is sent from). The middle of a long input goes through AVX2 blocks (`CBase64`) when the
/// CPU has them; the code here does the rest, and all of it without AVX2 (docs/benchmarks.md).
package enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The length of the base64 text of `byteCount` bytes.
    package static func encodedLength(_ byteCount: Int) -> Int { (byteCount + 2) / 3 * 4 }

    package static func encode(_ bytes: [UInt8]) -> String {
        let length = encodedLength(bytes.count)
        guard length > 0 else { return "" }
        return bytes.withUnsafeBufferPointer { input in
            String(unsafeUninitializedCapacity: length) { encode(input, into: $0) }
        }
    }

    /// Writes the base64 of `input` at the start of `out`, which holds at least
    /// `encodedLength(input.count)` bytes; returns that length. Six bytes at a time: one 8-byte load,
    /// four lookups of twelve bits each in a table of character pairs, one 8-byte store.
    package static func encode(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(out.count >= encodedLength(input.count), "Base64.encode: the destination is too small")
        guard let src = input.baseAddress, let dst = out.baseAddress else { return 0 }
        return pairs.withUnsafeBufferPointer { pairs in
            alphabet.withUnsafeBufferPointer { table in
                var i = te_base64_encode_blocks(src, input.count, dst)
                var o = i / 3 * 4
                // The load reads eight bytes and uses six: stop while eight remain.
                while i + 8 <= input.count {
                    let x = UInt64(bigEndian: UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self))
                    let word = UInt64(pairs[Int(x >> 52)]) | UInt64(pairs[Int(x >> 40 & 0xfff)]) << 16
                        | UInt64(pairs[Int(x >> 28 & 0xfff)]) << 32 | UInt64(pairs[Int(x >> 16 & 0xfff)]) << 48
                    UnsafeMutableRawPointer(dst + o).storeBytes(of: word.littleEndian, as: UInt64.self)
                    i += 6
                    o += 8
                }
                let whole = input.count - (input.count - i) % 3
                while i < whole {
                    let n = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
                    dst[o] = table[Int(n >> 18)]
                    dst[o + 1] = table[Int(n >> 12 & 63)]
                    dst[o + 2] = table[Int(n >> 6 & 63)]
                    dst[o + 3] = table[Int(n & 63)]
                    i += 3
                    o += 4
                }
                let rest = input.count - whole
                if rest > 0 {
                    let n = UInt32(src[i]) << 16 | (rest == 2 ? UInt32(src[i + 1]) << 8 : 0)
                    dst[o] = table[Int(n >> 18)]
                    dst[o + 1] = table[Int(n >> 12 & 63)]
                    dst[o + 2] = rest == 2 ? table[Int(n >> 6 & 63)] : UInt8(ascii: "=")
                    dst[o + 3] = UInt8(ascii: "=")
                    o += 4
                }
                return o
            }
        }
    }

    /// The two characters of every 12-bit value, the first in the low byte.
    private static let pairs: [UInt16] = (0..<4096).map { UInt16(alphabet[$0 >> 6]) | UInt16(alphabet[$0 & 63]) << 8 }

    /// The 6-bit value of every byte that is a base64 character; 0xff for every other byte.
    private static let values: [UInt8] = {
        var v = [UInt8](repeating: 0xff, count: 256)
        for (i, c) in alphabet.enumerated() { v[Int(c)] = UInt8(i) }
        return v
    }()

    /// The bytes of `text` when it is base64 in its one standard form: the alphabet above, no
    /// spaces or line breaks, `=` padding to a multiple of four, and zero bits after the last byte
    /// (so encoding the result gives `text` back). Nil for anything else, which a caller that
    /// accepts looser forms hands to a lenient decoder.
    package static func decodeStrict(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard text.count % 4 == 0, let src = text.baseAddress else { return text.isEmpty ? [] : nil }
        var padding = 0
        if src[text.count - 1] == UInt8(ascii: "=") { padding = src[text.count - 2] == UInt8(ascii: "=") ? 2 : 1 }
        let length = text.count / 4 * 3 - padding
        return values.withUnsafeBufferPointer { values -> [UInt8]? in
            var bad = false
            let out = [UInt8](unsafeUninitializedCapacity: length) { out, written in
                let full = text.count - (padding > 0 ? 4 : 0)
                // The blocks stop before any block with a byte outside the alphabet, which the
                // loop below then refuses.
                var i = te_base64_decode_blocks(src, full, out.baseAddress, length)
                var o = i / 4 * 3
                var check: UInt8 = 0
                while i < full {
                    let a = values[Int(src[i])], b = values[Int(src[i + 1])], c = values[Int(src[i + 2])], d = values[Int(src[i + 3])]
                    check |= a | b | c | d
                    let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[o] = UInt8(truncatingIfNeeded: n >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: n >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: n)
                    i += 4
                    o += 3
                }
                if padding > 0 {
                    let a = values[Int(src[i])], b = values[Int(src[i + 1])]
                    let c = padding == 1 ? values[Int(src[i + 2])] : 0
                    check |= a | b | c
                    // The bits after the last byte must be zero, or another text decodes the same.
                    if padding == 2 ? b & 0x0f != 0 : c & 0x03 != 0 { check = 0xff }
                    let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                    out[o] = UInt8(truncatingIfNeeded: n >> 16)
                    o += 1
                    if padding == 1 {
                        out[o] = UInt8(truncatingIfNeeded: n >> 8)
                        o += 1
                    }
                }
                // Every value is below 64, so one OR shows whether any byte was not in the alphabet.
                bad = check & 0xc0 != 0
                written = o
            }
            return bad ? nil : out
        }
    }
}
