/// A number a judge gave: kept exactly as given, so that an integer score is written back as an
/// integer (`8`, not `8.0`) in target texts and exports (SPEC §2.5).
package struct ScoreNumber: Sendable, Hashable, CustomStringConvertible {
    /// The numeric value.
    package let value: Double
    /// Whether the judge gave the number as an integer.
    package let isInteger: Bool

    package init(_ value: Int) {
        self.value = Double(value)
        self.isInteger = true
    }

    /// A decimal number. A whole value given as a decimal (`8.0`) stays a decimal.
    package init(decimal value: Double) {
        self.value = value
        self.isInteger = false
    }

    /// Chooses the integer form when `value` is whole and `preferInteger` is set.
    package init(_ value: Double, integer: Bool) {
        if integer, value.rounded() == value, abs(value) < 1e15 {
            self.init(Int(value))
        } else {
            self.init(decimal: value)
        }
    }

    /// The number as JSON text: integers without a fraction, decimals in Swift's shortest form.
    package var description: String {
        isInteger ? String(Int(value)) : JSONNumber.format(value)
    }

    /// The smaller of two numbers (the judge's two sub-scores become SC or PQ this way).
    package static func min(_ a: ScoreNumber, _ b: ScoreNumber) -> ScoreNumber {
        b.value < a.value ? b : a
    }
}

extension JSONWriter {
    /// A judge's number in the form the judge gave it (`8`, `7.5`).
    package mutating func number(_ n: ScoreNumber) {
        raw(n.description)
    }
}

/// The score of one edited image (SPEC §2.3): semantic consistency `SC`, perceptual quality `PQ`
/// and the overall `O`, which is `sqrt(SC * PQ)` unless it was given by an import.
package struct Score: Sendable, Hashable {
    package var semantic: ScoreNumber
    package var quality: ScoreNumber
    package var overall: Double
    /// True when `overall` came from the input rather than from `sqrt(SC * PQ)`.
    package var overallGiven: Bool

    package init(semantic: ScoreNumber, quality: ScoreNumber, overall: Double? = nil) {
        self.semantic = semantic
        self.quality = quality
        if let overall {
            self.overall = overall
            self.overallGiven = true
        } else {
            self.overall = Score.overall(semantic: semantic.value, quality: quality.value)
            self.overallGiven = false
        }
    }

    /// `O = sqrt(SC * PQ)`.
    package static func overall(semantic: Double, quality: Double) -> Double {
        (max(0, semantic) * max(0, quality)).squareRoot()
    }
}

/// The raw answers of a VIEScore-style judge for one image: two semantic numbers (edit success,
/// absence of over-editing) and two quality numbers (naturalness, absence of artifacts).
package struct JudgeSubScores: Sendable, Hashable {
    package var success: ScoreNumber
    package var overEditing: ScoreNumber
    package var naturalness: ScoreNumber
    package var artifacts: ScoreNumber

    package init(success: ScoreNumber, overEditing: ScoreNumber, naturalness: ScoreNumber, artifacts: ScoreNumber) {
        self.success = success
        self.overEditing = overEditing
        self.naturalness = naturalness
        self.artifacts = artifacts
    }

    /// SC = min(success, over-editing), PQ = min(naturalness, artifacts), O = sqrt(SC * PQ).
    package var score: Score {
        Score(semantic: .min(success, overEditing), quality: .min(naturalness, artifacts))
    }
}

extension ScoreNumber: Decodable {
    /// Reads a JSON number, remembering whether it was written as an integer.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) {
            self.init(i)
        } else {
            self.init(decimal: try c.decode(Double.self))
        }
    }
}
