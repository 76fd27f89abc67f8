import Foundation
import GRDB
import ThinkEditCore
import ThinkEditStore

/// One attempt at a model call, for the journal (table `call`): where it belongs and how it ended.
/// Made by `CallSite.record`.
package struct CallRecord: Sendable {
    package var site: CallSite
    package var attempt: Int
    package var outcome: CallOutcome
    package var errorClass: CallErrorClass?
    package var httpStatus: Int?
    package var promptTokens: Int
    package var completionTokens: Int
    /// The part of `promptTokens` served from the provider's prompt cache.
    package var cachedPromptTokens: Int
    package var cost: Double
    package var latencyMs: Double
}

extension RunStore {
    /// Records a call attempt on its own (retried attempts, for instance).
    func recordCall(_ call: CallRecord) throws {
        try write { db in try Self.insertCall(db, call) }
    }

    static func insertCall(_ db: Database, _ c: CallRecord) throws {
        try db.cachedStatement(sql: """
            INSERT INTO call(stage, backend, kind, trajectory, turn, request_hash, attempt, outcome, error_class, http_status,
                             prompt_tokens, completion_tokens, cached_prompt_tokens, cost, latency_ms, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [c.site.stage, c.site.backend, c.site.kind, c.site.trajectory, c.site.turn, c.site.requestHash, c.attempt, c.outcome, c.errorClass,
                             c.httpStatus, c.promptTokens, c.completionTokens, c.cachedPromptTokens, c.cost, c.latencyMs, Date().timeIntervalSince1970])
    }
}
