import ThinkEditBackends
import ThinkEditImaging

/// The synthetic image editor (SPEC §5). It reads the source scene from the item's synthetic meta,
/// parses the instruction TEXT it is given (never the meta's intended edit), applies what it read,
/// and fails the way real editors do — no change, wrong target, partial edit, over-editing,
/// artifacts — more often the less the text pins down. The output is a PNG of the pool's size.
///
/// Deterministic: the output bytes depend only on (seed, trajectory id, turn, request seed,
/// instruction, meta). Thread-safe: a value with no shared state.
package struct SyntheticEditor: Editor {
    package let name: String
    package let seed: UInt64
    /// Failure probabilities for clear, ambiguous and vague instructions.
    package var clear: EditFailureRates
    package var ambiguous: EditFailureRates
    package var vague: EditFailureRates
    /// Multiplies every failure probability: 0.5 makes a better editor, 2 a worse one.
    package var failureScale: Double
    /// How much a partial edit leaves out and how large artifacts are (1: as built in).
    package var severity: Double

    /// `failureFactors` multiplies one kind of failure at every clarity (on top of `failureScale`).
    package init(
        seed: UInt64, name: String = "synthetic", failureScale: Double = 1.0, failureFactors: [EditFailure: Double] = [:],
        severity: Double = 1.0,
        clear: EditFailureRates = .clear, ambiguous: EditFailureRates = .ambiguous, vague: EditFailureRates = .vague
    ) {
        self.name = name
        self.seed = seed
        self.failureScale = failureScale
        self.severity = severity
        self.clear = clear.scaled(by: failureFactors)
        self.ambiguous = ambiguous.scaled(by: failureFactors)
        self.vague = vague.scaled(by: failureFactors)
    }

    var simulation: EditorSimulation {
        EditorSimulation(clear: clear, ambiguous: ambiguous, vague: vague, failureScale: failureScale, severity: severity)
    }

    package func edit(_ request: EditRequest) async throws -> EditResult {
        let truth = try SyntheticTruth.fromMeta(request.item.meta, item: request.item.trajectoryID)
        let outcome = outcome(for: request, truth: truth)
        return EditResult(image: try ImageCodec.encodePNG(outcome.image))
    }

    /// The raster and what went wrong, for tests and the statistics.
    func outcome(for request: EditRequest, truth: SyntheticTruth) -> EditOutcome {
        var rng = SeededRandom("editor", String(seed), request.item.trajectoryID, String(request.turn), String(request.seed))
        return simulation.run(scene: truth.scene, size: truth.size, instruction: request.instruction, rng: &rng)
    }
}

/// How the synthetic world codes its images.
enum SyntheticImages {
    static func decode(_ payload: ImagePayload, truth: SyntheticTruth, item: String, turn: Int) throws -> RGBImage {
        let image: RGBImage
        do {
            image = try ImageCodec.decode(payload.bytes, name: "\(item) turn \(turn)")
        } catch {
            throw SyntheticError.badImage(item: item, turn: turn, detail: String(describing: error))
        }
        guard image.width == truth.size, image.height == truth.size else {
            throw SyntheticError.badImage(item: item, turn: turn, detail: "it is \(image.width)×\(image.height), the pool's images are \(truth.size)×\(truth.size)")
        }
        return image
    }
}
