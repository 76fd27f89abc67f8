/// A named setting of the synthetic editor's dials that behaves like one of the editors the
/// EditThinker paper (arXiv 2512.05965) ran on GEdit-Bench-EN, with the paper's figures for that
/// editor beside it, so `thinkedit bench synthetic` can print measured and published side by side.
///
/// A profile is only dials: the failure rates of the world times `failureScale` and the per-kind
/// `failureFactors`, `severity`, `persistence` and `fixEffect`. Nothing else about the editor differs, and a
/// config's explicit dials override the profile's one by one (docs/synthetic-world.md, "Editor
/// profiles"). A synthetic editor in a config with no profile is `fluxKontextDev`.
package struct SyntheticEditorProfile: Sendable, Hashable {
    /// The config name (`profile: flux-kontext-dev`), also the editor's default name.
    package var name: String
    /// The editor the paper ran.
    package var model: String
    package var failureScale: Double
    package var failureFactors: [EditFailure: Double]
    package var severity: Double
    package var persistence: Double
    package var fixEffect: Double
    /// GEdit-Bench-EN overall (VIEScore 0–10) the paper reports for this editor.
    package var paper: PaperFigures

    /// Published overall scores: the editor alone, and the final image with a thinker in the loop.
    package struct PaperFigures: Sendable, Hashable {
        /// Single-turn overall (the editor alone, max turns 1).
        package var singleTurn: Double
        /// Overall of the final image with GPT-4.1 as the expert, by max turns (FLUX.1 Kontext
        /// [dev] only; the paper ran the turn sweep on it alone).
        var byMaxTurns: [Int: Double]
        /// Overall with the EditThinker thinker in the loop, when the paper gives one.
        var withThinker: Double?
    }

    init(name: String, model: String, failureScale: Double = 1, failureFactors: [EditFailure: Double] = [:],
                 severity: Double, persistence: Double, fixEffect: Double, paper: PaperFigures) {
        self.name = name
        self.model = model
        self.failureScale = failureScale
        self.failureFactors = failureFactors
        self.severity = severity
        self.persistence = persistence
        self.fixEffect = fixEffect
        self.paper = paper
    }

    /// The failure mix the three profiles share, as factors on the world's rates
    /// (`EditFailureRates`): edits mostly land on the right shape (missed targets and empty edits
    /// at a fifth of the bare world's rate), but often stop partway (8×) or leave artifacts (3×),
    /// and over-edit a little more (1.3×). Severity 1: a partial edit leaves 30–70 % undone.
    static let paperEditorFailures: [EditFailure: Double] = [.partial: 8, .artifacts: 3, .overEdit: 1.3, .noChange: 0.2, .wrongTarget: 0.2]

    /// FLUX.1 Kontext [dev]: the shared failure mix; most failures come back when asked again
    /// (`persistence` 0.85), but a fix clause cuts its failure to 0.75×, and now and then a fresh
    /// try succeeds, so the expert lifts it from 6.18 to 7.30 over eight turns, most of it at turn 2.
    package static let fluxKontextDev = SyntheticEditorProfile(
        name: "flux-kontext-dev", model: "FLUX.1 Kontext [dev]",
        failureFactors: paperEditorFailures, severity: 1, persistence: 0.85, fixEffect: 0.75,
        paper: PaperFigures(singleTurn: 6.18, byMaxTurns: [1: 6.18, 2: 6.95, 4: 7.13, 6: 7.16, 8: 7.30], withThinker: nil)
    )

    /// OmniGen2: as good as FLUX on a first try, but every failure belongs to the request
    /// (`persistence` 1) and fix clauses do not move it (`fixEffect` 1): it makes the same
    /// mistake again whatever the instruction adds, so a thinker barely helps (6.19 → 6.28); only
    /// the requests the expert disambiguates get better.
    static let omnigen2 = SyntheticEditorProfile(
        name: "omnigen2", model: "OmniGen2",
        failureFactors: paperEditorFailures, severity: 1, persistence: 1, fixEffect: 1,
        paper: PaperFigures(singleTurn: 6.19, byMaxTurns: [1: 6.19], withThinker: 6.28)
    )

    /// Qwen-Image-Edit: the strongest of the three, half the failures of the others
    /// (`failureScale` 0.45); the ones left are hard cases that come back (`persistence` 1) and
    /// give only a little to a fix clause (0.9×), so a thinker adds a little (7.49 → 7.73).
    static let qwenImageEdit = SyntheticEditorProfile(
        name: "qwen-image-edit", model: "Qwen-Image-Edit",
        failureScale: 0.45, failureFactors: paperEditorFailures, severity: 1, persistence: 1, fixEffect: 0.9,
        paper: PaperFigures(singleTurn: 7.49, byMaxTurns: [1: 7.49], withThinker: 7.73)
    )

    /// Every profile, in the order the bench prints them.
    package static let all: [SyntheticEditorProfile] = [.fluxKontextDev, .omnigen2, .qwenImageEdit]

    /// The profile with this config name, or nil.
    package static func named(_ name: String) -> SyntheticEditorProfile? {
        all.first { $0.name == name }
    }

    /// An editor with these dials (the seed and name as given).
    package func editor(seed: UInt64, name: String? = nil) -> SyntheticEditor {
        SyntheticEditor(seed: seed, name: name ?? self.name, failureScale: failureScale, failureFactors: failureFactors,
                        severity: severity, persistence: persistence, fixEffect: fixEffect)
    }
}
