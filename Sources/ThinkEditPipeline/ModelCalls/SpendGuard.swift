import Foundation
import GRDB
import Synchronization
import ThinkEditBackends
import ThinkEditCore
import ThinkEditStore

/// A stage's spending cap at work (`budget:`). Before each call, online or batched, the stage
/// reserves the call's projected cost; a reservation that would take the spend (journaled calls,
/// plus every reservation not yet settled: calls in flight, batched requests not yet answered)
/// past a cap is refused, and the stage stops taking new work. A call's projected cost is the
/// mean cost of the stage's answered calls of its kind, or before the first answer an estimate
/// from the request (its bytes / 32 prompt tokens, or 1,500 without a body, and the backend's
/// completion limit, 512 when unset) at the backend's price.
final class SpendGuard: Sendable {
    private struct State {
        var reserved = 0.0
        var spent = 0.0
        /// Answered calls of this stage by kind: total cost and count.
        var means: [CallKind: (cost: Double, count: Int)] = [:]
        var refused = false
    }

    let stage: StageName
    /// What this stage may still spend at the start: the least of its cap and the run's cap,
    /// each less what was spent against it.
    let available: Double
    /// The cap that binds: its config key, its value, and whether it counts the whole run.
    let cap: (key: String, value: Double, wholeRun: Bool)
    private let state: Mutex<State>

    /// The guard of `stage` under the config's budget, or nil when no cap applies.
    static func make(_ stage: StageName, config: RunConfig, store: RunStore) throws -> SpendGuard? {
        let b = config.budget
        let stageCap = stage == .generate ? b.generate : b.score
        guard stageCap != nil || b.run != nil else { return nil }
        let (stageSpent, runSpent, means) = try store.read { db in
            let stageSpent = try Double.fetchOne(db, sql: "SELECT coalesce(sum(cost), 0) FROM call WHERE stage = ?", arguments: [stage]) ?? 0
            let runSpent = try Double.fetchOne(db, sql: "SELECT coalesce(sum(cost), 0) FROM call") ?? 0
            var means: [CallKind: (Double, Int)] = [:]
            for (kind, cost, n) in try Row.decodeAll(db, sql: """
                SELECT kind, sum(cost) AS cost, count(*) AS n FROM call WHERE stage = ? AND outcome = ? GROUP BY kind
                """, arguments: [stage, CallOutcome.ok], { (try $0.word("kind", as: CallKind.self), $0["cost"] as Double, $0["n"] as Int) }) {
                means[kind] = (cost, n)
            }
            return (stageSpent, runSpent, means)
        }
        var limits: [(left: Double, cap: (key: String, value: Double, wholeRun: Bool))] = []
        if let stageCap { limits.append((stageCap - stageSpent, ("budget.\(stage.rawValue).usd", stageCap, false))) }
        if let run = b.run { limits.append((run - runSpent, ("budget.usd", run, true))) }
        let tightest = limits.min { $0.left < $1.left }!
        return SpendGuard(stage: stage, available: max(0, tightest.left), cap: tightest.cap, means: means)
    }

    private init(stage: StageName, available: Double, cap: (key: String, value: Double, wholeRun: Bool), means: [CallKind: (Double, Int)]) {
        self.stage = stage
        self.available = available
        self.cap = cap
        state = Mutex(State(means: means.mapValues { (cost: $0.0, count: $0.1) }))
    }

    static func money(_ v: Double) -> String { String(format: "%.2f", v) }

    /// The projected cost of a call of `kind`: the mean of the answered ones, else `estimate()`.
    func projected(_ kind: CallKind, estimate: () -> Double) -> Double {
        if let m = state.withLock({ $0.means[kind] }), m.count > 0 { return m.cost / Double(m.count) }
        return estimate()
    }

    /// Reserves `amount`; false (and the guard refuses from then on) when it would pass the cap.
    func reserve(_ amount: Double) -> Bool {
        state.withLock { s in
            guard !s.refused, s.spent + s.reserved + amount <= available + 1e-12 else {
                s.refused = true
                return false
            }
            s.reserved += amount
            return true
        }
    }

    /// Counts requests already in flight from an earlier run (open batches) without a check.
    func reserveInFlight(_ amount: Double) {
        state.withLock { $0.reserved += amount }
    }

    /// A reserved call ended: `actual` is what it cost (0 when it failed); `kind` learns its mean
    /// from answered calls.
    func settle(reserved: Double, actual: Double, kind: CallKind, answered: Bool) {
        state.withLock { s in
            s.reserved -= reserved
            s.spent += actual
            if answered {
                let m = s.means[kind] ?? (0, 0)
                s.means[kind] = (m.cost + actual, m.count + 1)
            }
        }
    }

    /// Whether a reservation was refused: the stage stopped short of its work.
    var stopped: Bool { state.withLock { $0.refused } }

    /// The stage's error once it stopped at the cap, with what has been spent against it.
    func reached(store: RunStore, resume: String) -> BudgetReached {
        let scope = cap.wholeRun ? "the run" : stage.rawValue
        let spent = (try? store.read { db in
            try Double.fetchOne(db, sql: "SELECT coalesce(sum(cost), 0) FROM call" + (cap.wholeRun ? "" : " WHERE stage = ?"),
                                arguments: cap.wholeRun ? [] : [stage])
        }) ?? nil
        return BudgetReached(stage: stage.rawValue, message: """
            stopped at the spending cap \(cap.key): \(Self.money(cap.value)); \(scope) has spent \(spent.map(Self.money) ?? "?"), and the next \
            call would have taken it past the cap. Nothing failed: raise \(cap.key) in the config and run `\(resume)` to go on
            """)
    }

    /// A projected cost from a request's size, at the backend's (batch) price.
    static func estimate(_ settings: BackendSettings, requestBytes: Int?, batch: Bool) -> Double {
        let prompt = requestBytes.map { $0 / 32 } ?? 1_500
        let completion = settings.maxCompletionTokens ?? settings.maxTokens ?? 512
        return settings.cost(Usage(promptTokens: prompt, completionTokens: settings.kind == .openai ? completion : 0), batch: batch)
    }
}

/// A stage stopped by its spending cap (`budget:`). Nothing failed: raising the cap and running
/// the stage again goes on from where it stopped.
struct BudgetReached: Error, CustomStringConvertible {
    package var stage: String
    package var message: String
    package var description: String { "\(stage): \(message)" }
}

/// Thrown inside a call the guard refused; the stage ends the item quietly (not failed).
struct BudgetStop: Error {}
