import ThinkEditCore

/// Reads an image's pixel size straight from the first bytes, without the codec libraries, so the
/// pixel limit is enforced even when the rest of the file is missing or hostile: a forged header
/// announcing 100 000 × 100 000 pixels is refused before libpng or libjpeg allocate anything.
/// Returns nil when the size is not (yet) readable; the codec then reports the precise error.
enum HeaderPeek {
    static func size(of bytes: [UInt8], format: ImageFormat) -> (width: Int, height: Int)? {
        switch format {
        case .png: pngSize(bytes)
        case .jpeg: jpegSize(bytes)
        }
    }

    /// PNG: the IHDR chunk must come first, right after the 8-byte signature.
    static func pngSize(_ b: [UInt8]) -> (width: Int, height: Int)? {
        guard b.count >= 24, b[12] == 0x49, b[13] == 0x48, b[14] == 0x44, b[15] == 0x52 else { return nil }
        return (bigEndian32(b, 16), bigEndian32(b, 20))
    }

    /// JPEG: walks the marker segments to the first start-of-frame (SOF0...SOF15 except DHT, JPG
    /// and DAC), whose payload holds precision, height, width.
    static func jpegSize(_ b: [UInt8]) -> (width: Int, height: Int)? {
        var i = 2  // after SOI
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            let isFrame = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
            if isFrame {
                guard i + 9 <= b.count else { return nil }
                let height = Int(b[i + 5]) << 8 | Int(b[i + 6])
                let width = Int(b[i + 7]) << 8 | Int(b[i + 8])
                return (width, height)
            }
            if marker == 0xDA || marker == 0xD9 || length < 2 { return nil }  // scan or end before a frame
            i += 2 + length
        }
        return nil
    }

    private static func bigEndian32(_ b: [UInt8], _ at: Int) -> Int {
        Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }
}
