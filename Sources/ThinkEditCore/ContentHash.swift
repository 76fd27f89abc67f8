import Crypto
import Foundation

/// The one hash function of thinkedit: SHA-256, written as lowercase hex. Image files are named by
/// it, water-filling ranks by it, configs are fingerprinted by it.
package enum ContentHash {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    package static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        CPUMeter.measure(.hashing) { hex(SHA256.hash(data: data)) }
    }

    package static func sha256Hex(_ string: String) -> String {
        var s = string
        return s.withUTF8 { sha256Hex(UnsafeRawBufferPointer($0)) }
    }

    /// A SHA-256 over a sequence of fields, each written with its length so that no two
    /// sequences give the same bytes: a request's identity without building its text first.
    package struct Fields {
        private var hasher = SHA256()

        package init() {}

        package mutating func add(_ text: String) {
            var s = text
            s.withUTF8 { bytes in
                add(count: bytes.count)
                hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            }
        }

        package mutating func add(_ text: String?) {
            if let text { add(text) } else { add(count: -1) }
        }

        package mutating func add(_ number: Int64) { add(count: Int(number)) }

        package mutating func add(_ number: UInt64) { add(count: Int(bitPattern: UInt(number))) }

        private mutating func add(count: Int) {
            withUnsafeBytes(of: Int64(count).littleEndian) { hasher.update(bufferPointer: $0) }
        }

        /// The 32 bytes of the digest.
        package func finish() -> [UInt8] {
            Array(hasher.finalize())
        }
    }

    /// The digest as four big-endian 64-bit words: they order exactly like the lowercase hex text,
    /// without making it (the split ranks millions of units by it).
    static func sha256Words(_ bytes: [UInt8]) -> (UInt64, UInt64, UInt64, UInt64) {
        CPUMeter.measure(.hashing) {
            SHA256.hash(data: bytes).withUnsafeBytes { raw in
                func word(_ i: Int) -> UInt64 { UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
                return (word(0), word(1), word(2), word(3))
            }
        }
    }

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
