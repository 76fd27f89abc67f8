import Foundation
import Testing
@testable import ThinkEditBackends
@testable import ThinkEditCore
@testable import ThinkEditImaging
@testable import ThinkEditPipeline
@testable import ThinkEditStore

/// A small run with hand-made trajectories, every image its own colour, exported once.
struct ExportFixture {
    let run: TestRun
    let log = LogLines()

    /// a-rl: O 2 → 8, stop: RL (refine #2 + stop #3). b-sft: 8 → 9 → 9, max_turns: k = 2, SFT refine #2.
    /// f-stop: 6 → sqrt(7.5 * 7), stop: SFT refine #2 + stop #3. c-worse: dropped.
    static let trajectories: [(id: String, task: String, end: String, scores: [(String, String)])] = [
        ("a-rl", "color_alter", "stop", [("2", "2"), ("8", "8")]),
        ("b-sft", "subject-add", "max_turns", [("8", "8"), ("9", "9"), ("9", "9")]),
        ("c-worse", "color_alter", "stop", [("8", "8"), ("5", "5")]),
        ("f-stop", "subject-add", "stop", [("6", "6"), ("7.5", "7")]),
    ]

    init(extraConfig: String = "", imageSize: Int = 8) throws {
        run = try TestRun(extraConfig: "rl: {min_variance: 1.0, trajectories: 10}\nsft: {samples: 100, min_quality: 7.0}\n" + extraConfig)
        let dir = makeTempDir("exp")
        var lines: [String] = []
        for (n, t) in Self.trajectories.enumerated() {
            writePNG(dir + "/img/\(t.id).png", color: (UInt8(n * 40), 10, 20), size: imageSize)
            var steps: [String] = []
            for (i, s) in t.scores.enumerated() {
                writePNG(dir + "/img/\(t.id)-\(i + 1).png", color: (UInt8(n * 40), UInt8(60 + i * 30), 200), size: imageSize)
                let reasoning = i == 0 ? "" : #", "reasoning": "step \#(i + 1) of \#(t.id): fix \"this\"""#
                steps.append(#"{"turn": \#(i + 1), "instruction": "\#(t.id) instruction \#(i + 1)"\#(reasoning), "image": "img/\#(t.id)-\#(i + 1).png", "score": {"semantic": \#(s.0), "quality": \#(s.1)}}"#)
            }
            let stop = t.end == "stop" ? #", "stop_reasoning": "\#(t.id) looks right now""# : ""
            lines.append(#"{"id": "\#(t.id)", "task": "\#(t.task)", "instruction": "make \#(t.id) <image> {previous_instruction} {rewritten_prompt}", "source_image": "img/\#(t.id).png", "editor": "ed-\#(n % 2)", "end_reason": "\#(t.end)"\#(stop), "steps": [\#(steps.joined(separator: ", "))]}"#)
        }
        write(lines.joined(separator: "\n") + "\n", to: dir + "/t.jsonl")
        _ = try TrajectoryImporter(config: run.config, store: run.store).importFile(dir + "/t.jsonl")
    }

    var context: StageContext { StageContext(config: run.config, store: run.store) { [log] in log.add($0) } }

    func export() async throws { try await StageRunner.run(ExportStage(), context) }

    func folder(_ split: String) -> String { Exporter.folder(run.config, split: DatasetSplit(rawValue: split)!) }

    func text(_ split: String, _ file: String) throws -> String {
        try String(contentsOfFile: folder(split) + "/" + file, encoding: .utf8)
    }

    /// The rows of a JSONL file, parsed.
    func lines(_ split: String, _ file: String) throws -> [[String: Any]] {
        try text(split, file).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// Every file under the export root with its bytes.
    func snapshot() -> [String: Data] {
        let root = run.config.export.dir
        var out: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: root)! {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDir), !isDir.boolValue {
                out[path] = FileManager.default.contents(atPath: root + "/" + path)
            }
        }
        return out
    }
}

@Suite struct ExportTests {
    static let template = try! UserPromptTemplate(text: UserPromptTemplate.builtIn, origin: "built-in")

    @Test func manifestHasOneRowPerSelectedSampleSortedByIdWithSpecFields() async throws {
        let f = try ExportFixture()
        try await f.export()
        let sft = try f.lines("sft", "manifest.jsonl")
        let rl = try f.lines("rl", "manifest.jsonl")
        #expect(sft.map { $0["id"] as? String } == ["b-sft#2", "f-stop#2", "f-stop#3"])
        #expect(rl.map { $0["id"] as? String } == ["a-rl#2", "a-rl#3"])
        #expect(try f.text("sft", "manifest.jsonl").hasPrefix(#"{"id":"b-sft#2","trajectory":"b-sft","turn":2,"kind":"refine","task":"subject-add","editor":"ed-1","split":"sft","#))

        let stop = try #require(sft.last)
        #expect(stop["kind"] as? String == "stop")
        #expect(stop["turn"] as? Int == 3)
        #expect(stop["trajectory_length"] as? Int == 2)
        #expect(stop["previous_instruction"] as? String == "f-stop instruction 2")
        #expect(stop["answer"] as? String == "f-stop instruction 2")
        #expect(stop["result_score"] is NSNull)
        let line = try f.text("sft", "manifest.jsonl").split(separator: "\n")[2]
        // Sub-scores as decimals whatever the judge's form (one JSON type per column); overall
        // sqrt(7.5 * 7) = 7.245688373... rounded to 6 decimals.
        #expect(line.contains(#""critique_score":{"semantic":7.5,"quality":7.0,"overall":7.245688}"#))
        // V of O_1 = 6, O_2 = 7.245688...: ((1.245688/2)^2) = 0.387935...
        let v = JSONNumber.round6(pow((sqrt(52.5) - 6) / 2, 2))
        #expect(line.contains("\"trajectory_variance\":\(JSONNumber.format(v))"))

        let refine = sft[1]
        #expect(refine["previous_instruction"] as? String == "f-stop instruction 1")
        #expect(refine["answer"] as? String == "f-stop instruction 2")
        #expect(line.contains(#""original_instruction":"make f-stop <image> {previous_instruction} {rewritten_prompt}""#))
        let refineLine = try f.text("sft", "manifest.jsonl").split(separator: "\n")[1]
        #expect(refineLine.contains(#""critique_score":{"semantic":6.0,"quality":6.0,"overall":6.0},"result_score":{"semantic":7.5,"quality":7.0,"overall":7.245688}"#))
        // The stop sample critiques I_2, the refine sample I_1; both show the same source image.
        #expect(stop["source_image"] as? String == refine["source_image"] as? String)
        #expect(stop["input_image"] as? String != refine["input_image"] as? String)
    }

    @Test func llamaFactoryRecordsMatchTheManifestFieldByField() async throws {
        let f = try ExportFixture()
        try await f.export()
        for split in DatasetSplit.allCases.map(\.rawValue) {
            let manifest = try f.lines(split, "manifest.jsonl")
            let records = try #require(try JSONSerialization.jsonObject(with: Data(f.text(split, "\(split).json").utf8)) as? [[String: Any]])
            #expect(records.count == manifest.count)
            for (m, r) in zip(manifest, records) {
                let messages = try #require(r["messages"] as? [[String: String]])
                #expect(messages.map { $0["role"] } == ["user", "assistant"])
                #expect(messages[0]["content"] == Self.template.fill(original: m["original_instruction"] as! String, previous: m["previous_instruction"] as! String))
                #expect(r["images"] as? [String] == [m["source_image"] as! String, m["input_image"] as! String])
                #expect(messages[1]["content"]!.hasSuffix("<answer>\n\(m["answer"] as! String)\n</answer>"))
            }
            let info = try #require(try JSONSerialization.jsonObject(with: Data(f.text(split, "dataset_info.json").utf8)) as? [String: [String: Any]])
            let entry = try #require(info["thinkedit_\(split)"])
            #expect(entry["file_name"] as? String == "\(split).json")
            #expect(entry["formatting"] as? String == "sharegpt")
            #expect(entry["columns"] as? [String: String] == ["messages": "messages", "images": "images"])
            #expect(entry["tags"] as? [String: String] == ["role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"])
        }
        // The target text of the stop sample: the stop reasoning, the critique of I_k, T_k unchanged.
        let sft = try #require(try JSONSerialization.jsonObject(with: Data(f.text("sft", "sft.json").utf8)) as? [[String: Any]])
        let stopTarget = (sft[2]["messages"] as! [[String: String]])[1]["content"]
        #expect(stopTarget == "<think>\nf-stop looks right now\n</think>\n<score>\n{\"semantic\": 7.5, \"quality\": 7}\n</score>\n<answer>\nf-stop instruction 2\n</answer>")
        let refineTarget = (sft[1]["messages"] as! [[String: String]])[1]["content"]
        #expect(refineTarget == "<think>\nstep 2 of f-stop: fix \"this\"\n</think>\n<score>\n{\"semantic\": 6, \"quality\": 6}\n</score>\n<answer>\nf-stop instruction 2\n</answer>")
    }

    @Test func everyRecordHasExactlyOneImageMarkPerListedImage() async throws {
        let f = try ExportFixture()
        try await f.export()
        func marks(_ s: String) -> Int { s.components(separatedBy: "<image>").count - 1 }
        for split in DatasetSplit.allCases.map(\.rawValue) {
            let records = try #require(try JSONSerialization.jsonObject(with: Data(f.text(split, "\(split).json").utf8)) as? [[String: Any]])
            for r in records {
                let user = (r["messages"] as! [[String: String]])[0]["content"]!
                #expect(marks(user) == (r["images"] as! [String]).count)
                // The instruction's own "<image>" is defused, its "{previous_instruction}" kept verbatim.
                #expect(user.contains("<image > {previous_instruction}"))
            }
            for file in [split == "rl" ? "swift_grpo.jsonl" : "swift_sft.jsonl"] {
                for r in try f.lines(split, file) {
                    #expect(marks((r["messages"] as! [[String: String]])[0]["content"]!) == (r["images"] as! [String]).count)
                }
            }
            for r in try f.lines(split, "verl.jsonl") {
                #expect(marks((r["prompt"] as! [[String: String]])[0]["content"]!) == (r["images"] as! [Any]).count)
            }
        }
    }

    @Test func swiftRowsAreSftMessagesOrGrpoRowsWithSolutionAndMetadata() async throws {
        let f = try ExportFixture()
        try await f.export()
        let sft = try f.lines("sft", "swift_sft.jsonl")
        let manifest = try f.lines("sft", "manifest.jsonl")
        #expect(sft.count == manifest.count)
        for (r, m) in zip(sft, manifest) {
            #expect((r["messages"] as! [[String: String]]).map { $0["role"] } == ["user", "assistant"])
            #expect(r["images"] as? [String] == [m["source_image"] as! String, m["input_image"] as! String])
            #expect(r["solution"] == nil)
        }
        let grpo = try f.lines("rl", "swift_grpo.jsonl")
        let rlManifest = try f.lines("rl", "manifest.jsonl")
        #expect(grpo.count == 2)
        for (r, m) in zip(grpo, rlManifest) {
            let messages = r["messages"] as! [[String: String]]
            #expect(messages.map { $0["role"] } == ["user"])
            #expect(r["id"] as? String == m["id"] as? String)
            #expect(r["kind"] as? String == m["kind"] as? String)
            #expect(r["task"] as? String == "color_alter")
            #expect(r["trajectory_length"] as? Int == 2)
        }
        #expect(grpo[0]["solution"] as? String == "<think>\nstep 2 of a-rl: fix \"this\"\n</think>\n<score>\n{\"semantic\": 2, \"quality\": 2}\n</score>\n<answer>\na-rl instruction 2\n</answer>")
        #expect(grpo[0]["critique_semantic"] as? Double == 2)
        #expect(grpo[0]["result_overall"] as? Double == 8)
        #expect(grpo[1]["result_overall"] is NSNull)
        #expect(try f.text("rl", "swift_grpo.jsonl").contains(#""critique_semantic":2.0,"critique_quality":2.0,"critique_overall":2.0,"result_overall":8.0,"trajectory_variance":9.0"#))
    }

    @Test func editThinkerRowsCarryThePromptsImagesAndEvaluation() async throws {
        let f = try ExportFixture()
        try await f.export()
        let rows = try f.lines("rl", "editthinker_rl.jsonl")
        let manifest = try f.lines("rl", "manifest.jsonl")
        #expect(rows.count == 2)
        for (r, m) in zip(rows, manifest) {
            #expect(Set(r.keys) == ["origin_prompt", "rewritten_prompt", "origin_image_path", "edited_image_path", "evaluation"])
            // The loader fills this into a prompt whose image marks it counts: the instruction's own
            // "<image>" is defused as in the SFT user turn.
            #expect(r["origin_prompt"] as? String == "make a-rl <image > {previous_instruction} { rewritten_prompt }")
            #expect(r["rewritten_prompt"] as? String == m["previous_instruction"] as? String)
            #expect(r["origin_image_path"] as? String == m["source_image"] as? String)
            #expect(r["edited_image_path"] as? String == m["input_image"] as? String)
        }
        #expect(try f.text("rl", "editthinker_rl.jsonl").split(separator: "\n").map { String($0.suffix(40)) } == [
            #"evaluation":{"semantics":2.0,"quality":2.0}}"#, #"evaluation":{"semantics":8.0,"quality":8.0}}"#,
        ].map { String($0.suffix(40)) })
    }

    @Test func everyColumnKeepsOneJSONTypeAcrossRowsWhateverFormTheJudgeUsed() async throws {
        // The fixture's judge gave integers (6, 8, 2) and decimals (7.5): no number column may be
        // an integer in one row and a decimal in another, in any file.
        let f = try ExportFixture()
        try await f.export()
        func kinds(_ v: JSONValue, _ path: String, _ into: inout [String: Set<String>]) {
            switch v {
            case .integer, .unsigned: into[path, default: []].insert("integer")
            case .number: into[path, default: []].insert("decimal")
            case .object(let pairs): for (k, x) in pairs { kinds(x, path + "." + k, &into) }
            case .array(let items): for x in items { kinds(x, path + "[]", &into) }
            default: break
            }
        }
        var numberColumns = 0
        for split in ["sft", "rl"] {
            for file in ["manifest.jsonl", "swift_sft.jsonl", "swift_grpo.jsonl", "editthinker_rl.jsonl", "verl.jsonl"] {
                guard let text = try? f.text(split, file) else { continue }
                var columns: [String: Set<String>] = [:]
                for line in text.split(separator: "\n") { kinds(try JSONParser.parse(String(line)), "", &columns) }
                numberColumns += columns.count
                for (path, seen) in columns { #expect(seen.count == 1, "\(split)/\(file) \(path): \(seen.sorted())") }
            }
        }
        #expect(numberColumns > 20)
        let manifest = try f.text("sft", "manifest.jsonl")
        #expect(manifest.contains(#""semantic":7.5"#) && manifest.contains(#""semantic":6.0"#))
    }

    @Test func trainerTokensInReasoningAndAnswersAreDefusedAndCounted() {
        #expect(TrainerTokens.defused("keep the <image> tag <|im_end|> and <video>") == "keep the <image > tag < |im_end| > and <video >")
        #expect(TrainerTokens.defused("a plain instruction, 2 < 3 | 4 > 1") == "a plain instruction, 2 < 3 | 4 > 1")
        let image = ImageRecord(hash: "a", format: .png, width: 1, height: 1, bytes: 1)
        var row = ExportSampleRow(sample: 1, trajectory: "t", turn: 2, kind: .refine, split: .sft, task: "color_alter", editor: "e",
                                  originalInstruction: "make it red", sourceImage: image, inputImage: image, previousInstruction: "red",
                                  answer: "", reasoning: "", critiqueScore: Score(semantic: ScoreNumber(6), quality: ScoreNumber(7)),
                                  resultScore: nil, trajectoryVariance: 0, trajectoryLength: 2)
        row.reasoning = "the <image> shows a red car<|im_end|>"
        row.answer = "paint it <|vision_start|>red"
        let r = ExportRecord(row: row, template: Self.template, sourceImage: "images/a.png", inputImage: "images/b.png")
        #expect(r.hadTrainerTokens)
        // Exactly one mark per listed image in the whole record, and no control token left.
        #expect((r.user + r.target).components(separatedBy: "<image>").count - 1 == 2)
        #expect(!r.target.contains("<|") && !r.target.contains("|>"))
        #expect(r.target.contains("the <image > shows a red car< |im_end| >") && r.target.contains("paint it < |vision_start| >red"))
        #expect(Exporter.trainerTokensLine(3).hasSuffix("samples here that had some: 3"))
    }

    @Test func verlRowsHaveVerlColumns() async throws {
        let f = try ExportFixture()
        try await f.export()
        let rows = try f.lines("rl", "verl.jsonl")
        let manifest = try f.lines("rl", "manifest.jsonl")
        #expect(rows.count == manifest.count)
        for (i, (r, m)) in zip(rows, manifest).enumerated() {
            #expect(r["data_source"] as? String == "thinkedit")
            #expect(r["ability"] as? String == "image_edit_critique")
            #expect((r["prompt"] as? [[String: String]])?.map { $0["role"] } == ["user"])
            #expect((r["images"] as? [[String: String]])?.map { $0["image"] } == [m["source_image"] as? String, m["input_image"] as? String])
            let reward = try #require(r["reward_model"] as? [String: String])
            #expect(reward["style"] == "rule")
            #expect(reward["ground_truth"]!.hasPrefix("<think>\n"))
            let extra = try #require(r["extra_info"] as? [String: Any])
            #expect(extra["index"] as? Int == i)
            #expect(extra["split"] as? String == "rl")
            #expect(extra["id"] as? String == m["id"] as? String)
        }
    }

    @Test func imagesAreWrittenOnceNamedByContentAndLinkedWhenTheyFit() async throws {
        let f = try ExportFixture()
        try await f.export()
        // RL: a-rl's source, I_1, I_2. SFT: b-sft source + I_1, f-stop source + I_1 + I_2.
        let rlImages = try FileManager.default.contentsOfDirectory(atPath: f.folder("rl") + "/images")
        let sftImages = try FileManager.default.contentsOfDirectory(atPath: f.folder("sft") + "/images")
        #expect(rlImages.count == 3)
        #expect(sftImages.count == 5)
        for name in sftImages {
            let path = f.folder("sft") + "/images/" + name
            let bytes = try #require(FileManager.default.contents(atPath: path))
            #expect(name == ContentHash.sha256Hex(bytes) + ".png")
            // Small enough: a hard link to the store's file, not a copy.
            let store = f.run.store.images.path(hash: String(name.prefix(64)), format: .png)
            let a = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
            let b = try FileManager.default.attributesOfItem(atPath: store)[.systemFileNumber] as? Int
            #expect(a != nil && a == b)
        }
    }

    @Test func imagesLargerThanMaxPixelsAreResizedToFit() async throws {
        let f = try ExportFixture(extraConfig: "export: {max_pixels: 300}\n", imageSize: 24)
        try await f.export()
        for split in DatasetSplit.allCases.map(\.rawValue) {
            let names = try FileManager.default.contentsOfDirectory(atPath: f.folder(split) + "/images")
            #expect(!names.isEmpty)
            for name in names {
                let bytes = [UInt8](try #require(FileManager.default.contents(atPath: f.folder(split) + "/images/" + name)))
                let info = try ImageCodec.info(bytes, name: name)
                #expect(info.width * info.height <= 300)
                #expect(info.width == info.height)
                #expect(name == ContentHash.sha256Hex(bytes) + ".png")
            }
            for m in try f.lines(split, "manifest.jsonl") {
                #expect(FileManager.default.fileExists(atPath: m["input_image"] as! String))
            }
        }
        #expect(try f.text("sft", "README.md").contains("5 distinct images, 5 of them resized"))
    }

    @Test func rerunningWithNothingChangedRewritesNothing() async throws {
        let f = try ExportFixture()
        try await f.export()
        let manifest = f.folder("sft") + "/manifest.jsonl"
        let before = try FileManager.default.attributesOfItem(atPath: manifest)
        f.log.clear()
        try await f.export()
        #expect(f.log.all == ["filter: up to date", "unroll: up to date", "split: up to date", "export: up to date"])
        let after = try FileManager.default.attributesOfItem(atPath: manifest)
        #expect(before[.systemFileNumber] as? Int == after[.systemFileNumber] as? Int)
        #expect(before[.modificationDate] as? Date == after[.modificationDate] as? Date)
    }

    @Test func aForcedReexportGivesTheSameBytes() async throws {
        let f = try ExportFixture(extraConfig: "export: {max_pixels: 300}\n", imageSize: 24)
        try await f.export()
        let first = f.snapshot()
        #expect(first.keys.contains("sft/README.md") && first.keys.contains("rl/verl.jsonl"))
        // A deleted export is missing from the fingerprint: the stage runs again.
        try FileManager.default.removeItem(atPath: f.run.config.export.dir)
        f.log.clear()
        try await f.export()
        #expect(f.log.all.last?.hasPrefix("export: SFT 3 samples, RL 2 samples") == true)
        #expect(f.snapshot() == first)
        // And straight through the exporter, over the existing folders.
        let template = try UserPromptTemplate.forConfig(file: f.run.config.file)
        _ = try Exporter(config: f.run.config, store: f.run.store, template: template).export()
        #expect(f.snapshot() == first)
    }

    @Test func changingAnExportSettingExportsAgain() async throws {
        let f = try ExportFixture()
        try await f.export()
        var config = f.run.config
        config.export.formats = [.verl]
        f.log.clear()
        try await StageRunner.run(ExportStage(), StageContext(config: config, store: f.run.store) { [log = f.log] in log.add($0) })
        #expect(f.log.all.last?.hasPrefix("export: SFT 3") == true)
        #expect(!FileManager.default.fileExists(atPath: f.folder("sft") + "/sft.json"))
        #expect(FileManager.default.fileExists(atPath: f.folder("sft") + "/verl.jsonl"))
    }

    @Test func imagePathsAreAbsoluteByDefaultSoEveryTrainerFindsThemFromAnyFolder() async throws {
        let f = try ExportFixture()
        try await f.export()
        for m in try f.lines("rl", "manifest.jsonl") {
            let path = m["source_image"] as! String
            #expect(path.hasPrefix(f.folder("rl") + "/images/"))
            #expect(FileManager.default.fileExists(atPath: path))
        }
        let row = try #require(try f.lines("rl", "editthinker_rl.jsonl").first)
        #expect((row["edited_image_path"] as! String).hasPrefix(f.folder("rl") + "/images/"))
    }

    @Test func relativeImagePathsResolveAgainstTheSplitFolder() async throws {
        let f = try ExportFixture(extraConfig: "export: {image_paths: relative}\n")
        try await f.export()
        for m in try f.lines("sft", "manifest.jsonl") {
            let path = m["input_image"] as! String
            #expect(path.hasPrefix("images/"))
            #expect(FileManager.default.fileExists(atPath: f.folder("sft") + "/" + path))
        }
        // The kits tell each trainer the folder the paths resolve against.
        #expect(try f.text("sft", "train/llamafactory.yaml").contains("media_dir: \"\(f.folder("sft"))\""))
        #expect(try f.text("rl", "train/easyr1.yaml").contains("image_dir: \"\(f.folder("rl"))\""))
        #expect(try f.text("rl", "train/swift.sh").contains("export ROOT_IMAGE_DIR='\(f.folder("rl"))'"))
    }

    @Test func theOldAbsolutePathsKeySaysWhatReplacedIt() throws {
        #expect {
            _ = try ExportFixture(extraConfig: "export: {absolute_paths: true}\n")
        } throws: { error in
            "\(error)".contains("export.absolute_paths") && "\(error)".contains("image_paths: relative")
        }
    }

    @Test func eachFormatShipsARunKitNamingThisFolder() async throws {
        let f = try ExportFixture()
        try await f.export()
        for split in ["sft", "rl"] {
            let folder = f.folder(split)
            let lf = try f.text(split, "train/llamafactory.yaml")
            #expect(lf.contains("dataset_dir: \"\(folder)\"\ndataset: \"thinkedit_\(split)\"\nmedia_dir: \"\(folder)\""))
            let easy = try f.text(split, "train/easyr1.yaml")
            #expect(easy.contains("train_files: \"\(folder)/editthinker_rl.jsonl\""))
            #expect(easy.contains("answer_key: evaluation"))
            #expect(easy.contains("format_prompt: \"\(folder)/train/easyr1_prompt.jinja\""))
            #expect(easy.contains("reward_function: \"\(folder)/train/thinkedit_reward.py:compute_score\""))
            let verl = try f.text(split, "train/verl.sh")
            #expect(verl.contains("data.train_files='\(folder)/verl.parquet'"))
            #expect(verl.contains("custom_reward_function.path='\(folder)/train/thinkedit_reward.py'"))
            #expect(try f.text(split, "train/to_parquet.py") == KitResources.toParquet)
            #expect(try f.text(split, "train/thinkedit_reward.py") == KitResources.reward)
            #expect(try f.text(split, "train/prompts/judge_semantic.txt") == (try JudgePrompts.load(folder: nil)).semantic.text)
            let card = try f.text(split, "README.md")
            for file in ["train/llamafactory.yaml", "train/easyr1.yaml", "train/easyr1_prompt.jinja", "train/swift.sh", "train/verl.sh",
                         "train/thinkedit_reward.py", "train/to_parquet.py"] {
                #expect(card.contains("`\(file)`"), "\(file) not in the card")
            }
            // The reward file is listed once although three formats ship it.
            #expect(card.components(separatedBy: "`train/thinkedit_reward.py`").count == 2)
        }
        #expect(try f.text("sft", "train/swift.sh").contains("swift sft"))
        let grpo = try f.text("rl", "train/swift.sh")
        #expect(grpo.contains("swift rlhf --rlhf_type grpo") && grpo.contains("--dataset '\(f.folder("rl"))/swift_grpo.jsonl'"))
    }

    /// The prompt as the EditThinker RL loader builds it (`RLHFDataset._build_messages`): the
    /// `format_prompt` file stripped, then `{original_instruction}` and `{rewritten_prompt}`
    /// replaced in that order by the row's `origin_prompt` and `rewritten_prompt`.
    static func loaderPrompt(formatPrompt: String, row: [String: Any]) -> String {
        formatPrompt.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "{original_instruction}", with: row["origin_prompt"] as! String)
            .replacingOccurrences(of: "{rewritten_prompt}", with: row["rewritten_prompt"] as! String)
    }

    @Test func theRLPromptOfEveryFormatIsTheSFTUserTurnWordForWord() async throws {
        let f = try ExportFixture()
        try await f.export()
        for split in ["sft", "rl"] {
            let formatPrompt = try f.text(split, "train/easyr1_prompt.jinja")
            let sharegpt = try #require(try JSONSerialization.jsonObject(with: Data(try f.text(split, "\(split).json").utf8)) as? [[String: Any]])
            let easy = try f.lines(split, "editthinker_rl.jsonl")
            let verl = try f.lines(split, "verl.jsonl")
            let swift = try f.lines(split, split == "rl" ? "swift_grpo.jsonl" : "swift_sft.jsonl")
            #expect(!sharegpt.isEmpty && easy.count == sharegpt.count && verl.count == sharegpt.count)
            for i in sharegpt.indices {
                let sft = ((sharegpt[i]["messages"] as! [[String: Any]])[0]["content"] as! String)
                #expect(Self.loaderPrompt(formatPrompt: formatPrompt, row: easy[i]) == sft)
                #expect(((verl[i]["prompt"] as! [[String: Any]])[0]["content"] as! String) == sft)
                #expect(((swift[i]["messages"] as! [[String: Any]])[0]["content"] as! String) == sft)
                // The instruction's own "<image>" and "{rewritten_prompt}" were defused: two marks, nothing filled twice.
                #expect(sft.components(separatedBy: "<image>").count - 1 == 2)
                #expect(sft.contains("{ rewritten_prompt }"))
            }
        }
    }

    @Test func aTemplateWithTheLoadersOwnPlaceholderIsRefused() {
        #expect(throws: ExportError.self) {
            try UserPromptTemplate(text: "<image><image> {original_instruction} {previous_instruction} {rewritten_prompt}", origin: "t")
        }
        let t = try? UserPromptTemplate(text: "  \n<image><image> {original_instruction} / {previous_instruction}\n\n", origin: "t")
        #expect(t?.text == "<image><image> {original_instruction} / {previous_instruction}")
        #expect(t?.easyR1FormatPrompt == "<image><image> {original_instruction} / {rewritten_prompt}")
    }

    @Test func datasetCardCountsTasksBinsAndProvenance() async throws {
        let f = try ExportFixture(extraConfig: "export: {license: cc-by-4.0, name: mini}\n")
        try await f.export()
        let card = try f.text("sft", "README.md")
        #expect(card.hasPrefix("---\nlicense: cc-by-4.0\npretty_name: mini (sft)\n"))
        #expect(card.contains("| sft | 3 |\n| rl | 2 |"))
        #expect(card.contains("| subject-add | 3 | 2 | 1 |"))
        // Critique overall: b-sft#2 critiques O=8, f-stop#2 O=6, f-stop#3 O=7.2...
        #expect(card.contains("| 6 | 1 |") && card.contains("| 7 | 1 |") && card.contains("| 8 | 1 |"))
        #expect(card.contains("user prompt template sha256: `\(Self.template.sha256)`"))
        // Imported trajectories: no settings record of this run made them, and the card says so.
        #expect(card.contains("- generate settings: `imported` (3 samples): data from trajectories import\n"))
        #expect(card.contains("- score settings: `imported` (3 samples): data from trajectories import\n"))
        #expect(try f.text("sft", "settings.json") == #"{"generate":{"imported":"data from trajectories import"},"score":{"imported":"data from trajectories import"}}"# + "\n")
        #expect(try f.text("sft", "dataset_info.json").contains("\"mini_sft\""))
    }

    @Test func promptsExportWritesTheBuiltInsAndReadsBackTheSame() throws {
        let folder = makeTempDir("prompts") + "/edit-me"
        let written = try PromptExport.write(to: folder, overwrite: false)
        #expect(written.map { ($0 as NSString).lastPathComponent } == BuiltInPrompts.files.map(\.name))
        for (name, text) in BuiltInPrompts.files {
            #expect(try String(contentsOfFile: folder + "/" + name, encoding: .utf8) == text)
        }
        #expect(try ExpertPrompts.load(folder: folder).refine.text == BuiltInPrompts.text(named: "expert_refine.txt"))
        #expect(try JudgePrompts.load(folder: folder).semantic.text == BuiltInPrompts.text(named: "judge_semantic.txt"))
        let exported = try String(contentsOfFile: folder + "/" + UserPromptTemplate.fileName, encoding: .utf8)
        #expect(try UserPromptTemplate(text: exported, origin: "file").text == Self.template.text)
        // A second export does not overwrite the files a user may have edited, unless forced.
        try Data("edited".utf8).write(to: URL(fileURLWithPath: folder + "/judge_system.txt"))
        #expect(throws: PromptExport.Exists.self) { try PromptExport.write(to: folder, overwrite: false) }
        #expect(try String(contentsOfFile: folder + "/judge_system.txt", encoding: .utf8) == "edited")
        _ = try PromptExport.write(to: folder, overwrite: true)
        #expect(try String(contentsOfFile: folder + "/judge_system.txt", encoding: .utf8) == BuiltInPrompts.text(named: "judge_system.txt"))
    }

    @Test func templateNeedsTwoImageMarksAndBothPlaceholders() {
        #expect(throws: ExportError.self) { try UserPromptTemplate(text: "<image> {original_instruction} {previous_instruction}", origin: "t") }
        #expect(throws: ExportError.self) { try UserPromptTemplate(text: "<image><image> {original_instruction}", origin: "t") }
        let t = try? UserPromptTemplate(text: "<image><image>{original_instruction}|{previous_instruction}|{other}", origin: "t")
        #expect(t?.fill(original: "a {previous_instruction}", previous: "b") == "<image><image>a {previous_instruction}|b|{other}")
    }

    @Test func aTemplateBesideTheConfigIsUsed() async throws {
        let f = try ExportFixture()
        write("Q <image> {original_instruction} / <image> {previous_instruction}\n",
              to: (f.run.config.file as NSString).deletingLastPathComponent + "/prompts/thinker_user.txt")
        try await f.export()
        let rows = try f.lines("rl", "swift_grpo.jsonl")
        #expect((rows[0]["messages"] as! [[String: String]])[0]["content"] == "Q <image> make a-rl <image > {previous_instruction} { rewritten_prompt } / <image> a-rl instruction 1")
    }
}
