import Foundation
import ThinkEditCore

/// How precisely a pool instruction names its edit.
/// How often a synthetic pool draws each precision of instruction. Only the ratios matter.
package struct PrecisionMix: Sendable, Hashable {
    package var precise: Double
    package var ambiguous: Double
    package var vague: Double

    /// Mostly precise, as the instructions of an editing benchmark are (GEdit-Bench's are written
    /// to be carried out): 92 % precise, 5 % ambiguous, 3 % vague.
    package static let standard = PrecisionMix(precise: 0.92, ambiguous: 0.05, vague: 0.03)

    package init(precise: Double, ambiguous: Double, vague: Double) {
        self.precise = precise
        self.ambiguous = ambiguous
        self.vague = vague
    }

    /// In `InstructionPrecision.allCases` order.
    var weights: [Double] { [precise, ambiguous, vague] }
}

package enum InstructionPrecision: String, Codable, Sendable, Hashable, CaseIterable {
    /// Names the target uniquely (colour, kind, cell) and every new attribute.
    case precise
    /// Names the target by a word that fits several shapes, or leaves one attribute open.
    case ambiguous
    /// Names neither the target nor the new attributes ("make it pop", "add something").
    case vague
}

/// The ground truth of one synthetic pool item: the source scene, the edit the user meant and how
/// precisely the instruction says it. It travels in the pool row's meta as `{"synthetic": {...}}`
/// and reaches every model call as `ItemContext.meta`.
package struct SyntheticTruth: Codable, Sendable, Hashable {
    /// Format version of this object.
    package var version: Int
    /// Side of the square images, in pixels.
    package var size: Int
    var scene: Scene
    package var edit: SceneEdit
    package var precision: InstructionPrecision

    init(size: Int, scene: Scene, edit: SceneEdit, precision: InstructionPrecision) {
        self.version = 1
        self.size = size
        self.scene = scene
        self.edit = edit
        self.precision = precision
    }

    /// The scene the user wanted.
    var targetScene: Scene { edit.applied(to: scene) }

    private struct Envelope: Codable {
        var synthetic: SyntheticTruth
    }

    /// The meta object's JSON text, keys sorted so the same truth always gives the same bytes.
    package func metaJSON() -> String {
        // Encoding plain enums, ints and arrays cannot fail.
        try! JSONWriter.encode(Envelope(synthetic: self), escapingSlashes: false)
    }

    /// Reads the truth back from `ItemContext.meta`.
    static func fromMeta(_ meta: String?, item: String) throws -> SyntheticTruth {
        guard let meta, !meta.isEmpty else { throw SyntheticError.missingTruth(item: item) }
        do {
            let truth = try JSONDecoder().decode(Envelope.self, from: Data(meta.utf8)).synthetic
            guard truth.size >= 16, truth.size <= 4096 else {
                throw SyntheticError.badTruth(item: item, detail: "size \(truth.size) is outside 16...4096")
            }
            return truth
        } catch let error as SyntheticError {
            throw error
        } catch {
            throw SyntheticError.badTruth(item: item, detail: String(describing: error))
        }
    }
}
