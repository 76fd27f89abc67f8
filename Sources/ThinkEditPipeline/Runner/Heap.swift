#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The process's heap, for the long-lived commands that free much at once (`run` between stages,
/// serve after a large index refresh).
enum Heap {
    /// glibc's `malloc_trim(0)` (looked up at run time: Swift's Glibc module does not export it),
    /// which returns the heap's free pages to the system.
    static func releaseFreed() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }
}
