import ThinkEditCore

/// An error that knows its class in the call journal's vocabulary (`CallErrorClass`).
package protocol ClassifiedError: Error {
    var errorClass: CallErrorClass { get }
}

extension Error {
    /// The journal class of any error (`unknown` when it does not say).
    package var journalClass: CallErrorClass {
        (self as? any ClassifiedError)?.errorClass ?? .unknown
    }
}
