import Foundation
import GRDB
import ThinkEditCore
import ThinkEditStore

/// One model call, for the journal.
package struct CallRecord: Sendable {
    package var stage: StageName
    package var backend: String
    package var kind: String
    package var trajectorySeq: Int64?
    package var turn: Int?
    package var requestHash: String
    package var attempt: Int
    package var outcome: String
    package var errorClass: CallErrorClass?
    package var httpStatus: Int?
    package var promptTokens: Int
    package var completionTokens: Int
    /// The part of `promptTokens` served from the provider's prompt cache.
    package var cachedPromptTokens: Int
    package var cost: Double
    package var latencyMs: Double

    /// The outcome of a call answered from the response cache: nothing was sent or paid.
    package static let cachedOutcome = "cached"

    package init(stage: StageName, backend: String, kind: String, trajectorySeq: Int64?, turn: Int?, requestHash: String,
                attempt: Int = 1, outcome: String, errorClass: CallErrorClass? = nil, httpStatus: Int? = nil,
                promptTokens: Int = 0, completionTokens: Int = 0, cachedPromptTokens: Int = 0, cost: Double = 0, latencyMs: Double) {
        self.stage = stage
        self.backend = backend
        self.kind = kind
        self.trajectorySeq = trajectorySeq
        self.turn = turn
        self.requestHash = requestHash
        self.attempt = attempt
        self.outcome = outcome
        self.errorClass = errorClass
        self.httpStatus = httpStatus
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.cost = cost
        self.latencyMs = latencyMs
    }
}

extension RunStore {
    /// Records a call attempt on its own (retried attempts, for instance).
    package func recordCall(_ call: CallRecord) throws {
        try write { db in try Self.insertCall(db, call) }
    }

    static func insertCall(_ db: Database, _ c: CallRecord) throws {
        try db.cachedStatement(sql: """
            INSERT INTO call(stage, backend, kind, trajectory, turn, request_hash, attempt, outcome, error_class, http_status,
                             prompt_tokens, completion_tokens, cached_prompt_tokens, cost, latency_ms, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [c.stage.rawValue, c.backend, c.kind, c.trajectorySeq, c.turn, c.requestHash, c.attempt, c.outcome, c.errorClass?.rawValue,
                             c.httpStatus, c.promptTokens, c.completionTokens, c.cachedPromptTokens, c.cost, c.latencyMs, Date().timeIntervalSince1970])
    }
}
