import Foundation
import ThinkEditCore
import ThinkEditStore

/// `thinkedit export` (SPEC §2.7): the SFT and RL sets in the trainers' formats (`Exporter`). Its
/// fingerprint covers the split's fingerprint (which follows the run's data, and so the settings
/// records the card describes), the export settings, the user-turn template and the judge
/// prompts the RL kit ships, so a rerun with nothing changed writes nothing; a deleted export
/// folder is written again.
package struct ExportStage: PipelineStage {
    package init() {}
    package var name: StageName { .export }
    package var inputs: [StageName] { [.split] }

    package func fingerprint(_ context: StageContext) throws -> String {
        let config = context.config
        let template = try UserPromptTemplate.forConfig(file: config.file)
        let base = StageRunner.fingerprint([
            "export/3", Exporter.settingsText(config), config.export.dir, template.text, try Exporter.judgePrompts(config).texts,
        ] + (try StageGraph.inputFingerprints(self, context)))
        // The files are output, not input, so their presence toggles between two fingerprints of
        // the same settings: a missing export makes the fingerprint differ from the stored one
        // (the stage runs), a present one keeps whichever of the two was stored (a no-op).
        let missing = base + ":rewritten"
        let stored = try context.store.latestStageRuns()[name].map(\.fingerprint).flatMap { $0 == base || $0 == missing ? $0 : nil }
        let present = DatasetSplit.allCases.allSatisfy {
            FileManager.default.fileExists(atPath: (Exporter.folder(config, split: $0) as NSString).appendingPathComponent("manifest.jsonl"))
        }
        if present { return stored ?? base }
        return stored == base ? missing : base
    }

    package func run(_ context: StageContext) async throws -> StageResult {
        let template = try UserPromptTemplate.forConfig(file: context.config.file)
        let exporter = try Exporter(config: context.config, store: context.store, template: template)
        let s = try exporter.export()
        let sft = s.samples[.sft] ?? 0, rl = s.samples[.rl] ?? 0
        return StageResult(
            counts: [("sft_samples", sft), ("rl_samples", rl), ("images", s.images), ("resized", s.resized)],
            summary: "SFT \(sft) samples, RL \(rl) samples, \(s.images) images (\(s.resized) resized) in \(context.config.export.dir)")
    }
}
