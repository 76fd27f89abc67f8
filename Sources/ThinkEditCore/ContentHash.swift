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
