import Foundation
import Synchronization
import ThinkEditCore

/// The live progress of a stage: done/total, rate, ETA, failures, tokens and cost. On a terminal it
/// redraws one line; otherwise it prints a plain line every few seconds.
final class ProgressLine: Sendable {
    private let stage: StageName
    private let total: Int
    private let unit: String
    private struct Counts {
        var done = 0
        var failed = 0
        var tokens = 0
        var cost = 0.0
    }
    private let counts = Mutex(Counts())
    private let clock: AnyClock
    private let start: AnyClock.Instant
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let live = isatty(STDOUT_FILENO) != 0
    private let log: @Sendable (String) -> Void

    init(stage: StageName, total: Int, unit: String, clock: AnyClock, log: @escaping @Sendable (String) -> Void) {
        self.clock = clock
        start = clock.now
        self.stage = stage
        self.total = total
        self.unit = unit
        self.log = log
    }

    func add(done d: Int = 0, failed f: Int = 0, tokens t: Int = 0, cost c: Double = 0) {
        counts.withLock {
            $0.done += d
            $0.failed += f
            $0.tokens += t
            $0.cost += c
        }
    }

    func begin() {
        let interval: Duration = live ? .milliseconds(500) : .seconds(5)
        let clock = self.clock
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await clock.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                self.emit(final: false)
            }
        }
        task.withLock { $0 = ticker }
    }

    func end() {
        task.withLock { $0?.cancel() }
        emit(final: true)
    }

    var line: String {
        let c = counts.withLock { $0 }
        let (done, failed, tokens, cost) = (c.done, c.failed, c.tokens, c.cost)
        let elapsed = max(0.001, start.duration(to: clock.now).inSeconds)
        let rate = Double(done + failed) / elapsed
        let left = total - done - failed
        let eta = rate > 0 ? Self.duration(Double(left) / rate) : "?"
        var s = "\(stage): \(done + failed)/\(total) \(unit), \(String(format: "%.1f", rate))/s, ETA \(eta), failed \(failed)"
        if tokens > 0 || cost > 0 { s += ", tokens \(tokens), cost \(String(format: "%.2f", cost))" }
        return s
    }

    private func emit(final: Bool) {
        guard total > 0 else { return }
        if live {
            FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line + (final ? "\n" : "")).utf8))
        } else if !final {
            log(line)
        }
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s)
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}
