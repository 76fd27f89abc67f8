import CJPEGShim

extension ImageCodec {
    /// The check of an image a model server returned, cheaper than `validate`'s full decode at
    /// real sizes: a PNG is walked chunk by chunk and every chunk's CRC-32 verified (IHDR first,
    /// image data present, IEND last), so a truncated or altered file is refused without
    /// inflating it. A JPEG's segments are walked from SOI to EOI (a cut file or a broken marker
    /// structure is refused) and only its first rows are decoded, at 1/8 scale, which checks the
    /// headers, the tables and the start of the entropy-coded data: damage deep inside that data
    /// which keeps the structure is not caught (the full decode draws most such damage as garbled
    /// blocks without an error too). The size limit applies to the size the header announces,
    /// before anything is decoded.
    package static func check(_ bytes: [UInt8], name: String, limits: ImageLimits = ImageLimits()) throws -> ImageInfo {
        switch try checkedFormat(bytes, name: name, limits: limits) {
        case .png:
            let info = try pngChunks(bytes, name: name)
            try enforce(limits, on: info, name: name)
            return info
        case .jpeg:
            let full = try jpegHeader(bytes, name: name, scaleDenominator: 1)
            try enforce(limits, on: full.info, name: name)
            try bytes.withUnsafeBufferPointer { try te_jpeg_walk($0.baseAddress, $0.count).check(name: name, format: .jpeg) }
            let small = try jpegHeader(bytes, name: name, scaleDenominator: 8)
            let rows = min(checkedJPEGRows, small.scaledHeight)
            var pixels = [UInt8](repeating: 0, count: rows * small.scaledWidth * 3)
            try bytes.withUnsafeBufferPointer { data in
                try pixels.withUnsafeMutableBufferPointer { out in
                    te_jpeg_decode_rows(data.baseAddress, data.count, 8, out.baseAddress, Int32(small.scaledWidth),
                                        Int32(small.scaledHeight), Int32(rows))
                }.check(name: name, format: .jpeg)
            }
            return full.info
        }
    }

    /// Rows of a JPEG the check decodes at 1/8 scale: the first two MCU rows of a 4:2:0 image.
    static let checkedJPEGRows = 4

    /// The size in a PNG's IHDR, after every chunk's length and CRC-32 are checked.
    static func pngChunks(_ bytes: [UInt8], name: String) throws -> ImageInfo {
        func be32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        var at = 8
        var size: (Int, Int)?
        var sawData = false
        while true {
            guard at + 12 <= bytes.count else {
                throw ImageError.truncated(name: name, detail: "the PNG ends inside a chunk header at byte \(at), before its IEND chunk")
            }
            let length = be32(at)
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            guard length <= bytes.count - at - 12 else {
                throw ImageError.truncated(name: name, detail: "the PNG's \(type) chunk at byte \(at) says \(length) bytes, more than the file has left")
            }
            let stored = UInt32(truncatingIfNeeded: be32(at + 8 + length))
            let computed = bytes.withUnsafeBufferPointer { te_crc32($0.baseAddress! + at + 4, length + 4) }
            guard stored == computed else {
                throw ImageError.corrupt(name: name, format: .png, detail: "the CRC of the \(type) chunk at byte \(at) does not match its bytes")
            }
            if at == 8 {
                guard type == "IHDR", length == 13 else {
                    throw ImageError.corrupt(name: name, format: .png, detail: "the first chunk is \(type), not a 13-byte IHDR")
                }
                size = (be32(at + 8), be32(at + 12))
            }
            if type == "IDAT" { sawData = true }
            if type == "IEND" { break }
            at += 12 + length
        }
        guard let size, size.0 > 0, size.1 > 0 else {
            throw ImageError.corrupt(name: name, format: .png, detail: "the IHDR gives no size")
        }
        guard sawData else { throw ImageError.corrupt(name: name, format: .png, detail: "the PNG has no IDAT (image data) chunk") }
        return ImageInfo(format: .png, width: size.0, height: size.1)
    }
}
