import Foundation
@testable import ThinkEditCore
@testable import ThinkEditImaging
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// A fresh folder under the system temporary directory.
func makeTempDir(_ label: String = "t") -> String {
    let dir = NSTemporaryDirectory() + "thinkedit-\(label)-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func write(_ text: String, to path: String) {
    try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// Writes a small real PNG of one colour (distinct colours give distinct hashes).
@discardableResult
func writePNG(_ path: String, color: (UInt8, UInt8, UInt8), size: Int = 8) -> [UInt8] {
    let bytes = try! ImageCodec.encodePNG(RGBImage(width: size, height: size, fill: color))
    try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
    return bytes
}

/// A run in a temporary folder: its config and an open store.
struct TestRun {
    let dir: String
    let config: RunConfig
    let store: RunStore

    init(extraConfig: String = "") throws {
        dir = makeTempDir("run")
        write("workdir: work\n" + extraConfig, to: dir + "/config.yaml")
        config = try RunConfig.load(path: dir + "/config.yaml")
        store = try RunStore.openForWriting(workdir: config.workdir)
    }

    func imageFiles() -> [String] {
        let root = store.images.root
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }
    }
}
