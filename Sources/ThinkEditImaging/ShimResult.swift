import CJPEGShim
import ThinkEditCore

// Turns the C shim's status codes into ImageError, naming the file.
extension te_result {
    var isSuccess: Bool { status == Int32(TE_OK) }

    var messageText: String {
        withUnsafeBytes(of: message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    func check(name: String, format: ImageFormat) throws {
        if isSuccess { return }
        let detail = messageText.isEmpty ? "no detail from the codec" : messageText
        switch status {
        case Int32(TE_TRUNCATED):
            throw ImageError.truncated(name: name, detail: detail)
        case Int32(TE_CORRUPT):
            throw ImageError.corrupt(name: name, format: format, detail: detail)
        case Int32(TE_UNSUPPORTED):
            throw ImageError.unsupported(name: name, format: format, detail: detail)
        default:
            throw ImageError.codecFailure(name: name, detail: detail)
        }
    }
}
