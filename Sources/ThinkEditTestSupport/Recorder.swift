import Synchronization

/// What concurrent code under test reported, in arrival order: log lines, calls, attempts.
package final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    package init() {}

    package func add(_ item: Element) { items.withLock { $0.append(item) } }
    package var all: [Element] { items.withLock { $0 } }
    package func clear() { items.withLock { $0 = [] } }
}
