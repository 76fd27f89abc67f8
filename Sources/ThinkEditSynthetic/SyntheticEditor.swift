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
    /// How much a partial edit leaves out and how large artifacts are (1: the most; see
    /// `ArtifactPainter`).
    package var severity: Double
    /// Share of (item, failure kind) pairs whose failure draw is made once per item rather than
    /// per call: the request is hard for this editor and fails the same way again (`FailureLuck`).
    package var persistence: Double
    /// What a fix clause in the text ("keep the other shapes unchanged", "no noise", "the whole
    /// shape") multiplies its failure's probability by: 0 obeys it always, 1 ignores it.
    package var fixEffect: Double

    /// The bare world's severity, persistence and fix effect (the editor profiles set their own).
    static let defaultSeverity = 1.0
    static let defaultPersistence = 0.0
    static let defaultFixEffect = 0.35

    /// `failureFactors` multiplies one kind of failure at every clarity (on top of `failureScale`).
    package init(
        seed: UInt64, name: String = "synthetic", failureScale: Double = 1.0, failureFactors: [EditFailure: Double] = [:],
        severity: Double = SyntheticEditor.defaultSeverity, persistence: Double = SyntheticEditor.defaultPersistence,
        fixEffect: Double = SyntheticEditor.defaultFixEffect,
        clear: EditFailureRates = .clear, ambiguous: EditFailureRates = .ambiguous, vague: EditFailureRates = .vague
    ) {
        self.name = name
        self.seed = seed
        self.failureScale = failureScale
        self.severity = severity
        self.persistence = persistence
        self.fixEffect = fixEffect
        self.clear = clear.scaled(by: failureFactors)
        self.ambiguous = ambiguous.scaled(by: failureFactors)
        self.vague = vague.scaled(by: failureFactors)
    }

    var simulation: EditorSimulation {
        EditorSimulation(clear: clear, ambiguous: ambiguous, vague: vague, failureScale: failureScale, severity: severity, modifierEffect: fixEffect)
    }

    package func edit(_ request: EditRequest) async throws -> EditResult {
        let truth = try SyntheticTruth.fromMeta(request.item.meta, item: request.item.trajectoryID)
        let outcome = outcome(for: request, truth: truth)
        return EditResult(image: try SyntheticImages.encodePNG(outcome.image))
    }

    /// The raster and what went wrong, for tests and the statistics.
    func outcome(for request: EditRequest, truth: SyntheticTruth) -> EditOutcome {
        var rng = SeededRandom("editor", String(seed), request.item.trajectoryID, String(request.turn), String(request.seed))
        var itemStream = SeededRandom("editor-luck", String(seed), request.item.trajectoryID)
        let luck = FailureLuck(persistence: persistence, rng: &itemStream)
        return simulation.run(scene: truth.scene, size: truth.size, instruction: request.instruction, rng: &rng, luck: luck)
    }
}

/// How the synthetic world codes its images.
enum SyntheticImages {
    /// The world's pictures are flat colour with small patches of noise. Without a row filter they
    /// compress as well as with libpng's adaptive choice among all five (measured on 300 of its
    /// edits: 2,628 against 2,648 bytes on average) while encoding about 4.7 times and decoding
    /// about 2.2 times faster, and every turn encodes one image and decodes it three times.
    static let pngOptions = PNGEncodeOptions(compressionLevel: 2, filters: .none)

    static func encodePNG(_ image: RGBImage) throws -> [UInt8] {
        try ImageCodec.encodePNG(image, options: pngOptions)
    }

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
