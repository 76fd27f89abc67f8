/// What a journaled model call asked for, by the name it has in `call.kind`,
/// `batch_request.kind`, the response cache and a batch request's custom id.
package enum CallKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The expert's critique and next instruction.
    case think
    /// The editor's edit.
    case edit
    /// The judge's semantic-consistency score of one edit.
    case judgeSemantic = "judge_semantic"
    /// The judge's perceptual-quality score of one edit.
    case judgeQuality = "judge_quality"

    package var description: String { rawValue }
}

/// How a journaled call attempt ended (`call.outcome`).
package enum CallOutcome: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The answer arrived and passed its checks.
    case ok
    /// The attempt failed; the row's error class says why.
    case error
    /// Answered from the response cache: nothing was sent or paid.
    case cached

    package var description: String { rawValue }
}

/// How far a batch of batch mode got (`batch.state`). Each step is recorded before the next
/// begins, so a restarted stage resumes a batch where it stopped.
package enum BatchState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A local batch (`batch write`): the requests file waits for the user to run it elsewhere.
    case local
    case written
    case uploading
    case uploaded
    case creating
    case submitted
    case finished
    case downloaded
    /// Every answer is committed: nothing is left to do.
    case done

    /// Batches a stage still has to carry to `done`.
    package var isOpen: Bool { self != .done }

    package var description: String { rawValue }
}

/// Where one request of a batch stands (`batch_request.state`).
package enum BatchRequestState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// In a batch, not answered yet.
    case sent
    case answered
    case failed
    /// Failed, then put back by `retry-failed`.
    case retried

    package var description: String { rawValue }
}
