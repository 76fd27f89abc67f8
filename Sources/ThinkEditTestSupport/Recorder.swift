import Synchronization

/// What concurrent code under test reported, in arrival order: log lines, calls, attempts.
public final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    public init() {}

    public func add(_ item: Element) { items.withLock { $0.append(item) } }
    public var all: [Element] { items.withLock { $0 } }
    public func clear() { items.withLock { $0 = [] } }
}
