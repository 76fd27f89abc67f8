import Foundation
import ThinkEditBackends
import ThinkEditCore

/// The files in a split folder's `train/` that let each trainer train on the folder as it is, from
/// any working directory: the data part of a LLaMA-Factory config, the EasyR1 data and reward
/// settings with the prompt file the EditThinker RL loader fills, the ms-swift and verl command
/// lines, and the reward function they share (docs/formats.md, *Training on the export*).
///
/// Every path in them is the folder's absolute final path, so the kits name the folder they were
/// written into: a moved export is exported again (or its kits edited).
struct RunKit: Sendable {
    static let folderName = "train"
    static let rewardFileName = "thinkedit_reward.py"

    var split: DatasetSplit
    /// The split folder's absolute final path.
    var folder: String
    var datasetName: String
    var template: UserPromptTemplate
    /// The judge prompts the reward's edit-improvement term scores an edit with: the run's own.
    var judge: JudgePrompts

    /// `<folder>/<relative>`.
    func path(_ relative: String) -> String { (folder as NSString).appendingPathComponent(relative) }

    private func kitFile(_ name: String, _ description: String, _ text: String) -> ExportSideFile {
        ExportSideFile(name: "\(Self.folderName)/\(name)", cardDescription: description, text: text)
    }

    // MARK: - Shared by the RL formats

    /// The reward function (format, critique accuracy, edit improvement) with the judge prompts
    /// its edit-improvement term uses.
    var rewardFiles: [ExportSideFile] {
        [kitFile(Self.rewardFileName, "the reward function for EasyR1, verl and ms-swift GRPO (format, critique accuracy, edit improvement)",
                 KitResources.reward)]
            + [("judge_system.txt", judge.system), ("judge_semantic.txt", judge.semantic), ("judge_quality.txt", judge.quality)].map {
                kitFile("prompts/\($0.0)", "the run's judge prompt the reward's edit-improvement term uses", $0.1.text)
            }
    }

    // MARK: - Per format

    /// LLaMA-Factory: the data keys of a training config, pointing at this folder.
    func llamaFactory(entry: String) -> ExportSideFile {
        kitFile("llamafactory.yaml", "the data part of a LLaMA-Factory training config for this folder", """
        # The data part of a LLaMA-Factory training config for this folder, written by `thinkedit export`.
        # Add your model and training keys (model_name_or_path, template, finetuning_type, output_dir, ...)
        # and run `llamafactory-cli train YOUR_CONFIG.yaml` from any folder. `media_dir` is where
        # relative image paths resolve (with `image_paths: absolute` the records need none).
        stage: sft
        dataset_dir: \(yaml(folder))
        dataset: \(yaml(entry))
        media_dir: \(yaml(folder))

        """)
    }

    /// EasyR1 with the EditThinker RL loader: the data and reward settings, and the prompt file the
    /// loader fills (`format_prompt`), the SFT user turn's words with its own placeholder names.
    func easyR1(recordFile: String) -> [ExportSideFile] {
        [kitFile("easyr1.yaml", "the data and reward settings of an EasyR1 (EditThinker) config for this folder", """
        # The data and reward settings of an EasyR1 config (the EditThinker repository's
        # train/EasyR1/examples/edit_thinker_config.yaml) for this folder, written by `thinkedit export`.
        # Merge them into that config; they name this folder by absolute path, so the trainer can
        # start from any working directory.
        data:
          train_files: \(yaml(path(recordFile)))
          answer_key: evaluation
          image_dir: \(yaml(folder))
          format_prompt: \(yaml(path("\(Self.folderName)/easyr1_prompt.jinja")))
        worker:
          reward:
            reward_type: batch
            reward_function: \(yaml(path("\(Self.folderName)/\(Self.rewardFileName)") + ":compute_score"))

        """),
         kitFile("easyr1_prompt.jinja", "the user prompt for EasyR1's `format_prompt`: the SFT user turn's words",
                 template.easyR1FormatPrompt + "\n")]
            + rewardFiles
    }

    /// ms-swift: the command that trains on this folder's rows (SFT, or GRPO with the reward).
    func msSwift(recordFile: String) -> [ExportSideFile] {
        let command: String
        if split == .rl {
            command = """
            swift rlhf --rlhf_type grpo \\
                --model "$MODEL" \\
                --dataset \(sh(path(recordFile))) \\
                --external_plugins \(sh(path("\(Self.folderName)/\(Self.rewardFileName)"))) \\
                --reward_funcs thinkedit_format thinkedit_critique \\
                "$@"
            """
        } else {
            command = """
            swift sft \\
                --model "$MODEL" \\
                --dataset \(sh(path(recordFile))) \\
                "$@"
            """
        }
        let script = """
        #!/bin/sh
        # ms-swift on this folder, from any working directory; written by `thinkedit export`.
        # MODEL names the model (default Qwen/Qwen2.5-VL-7B-Instruct); further ms-swift options
        # follow on the command line: sh \(Self.folderName)/swift.sh --num_train_epochs 1 ...
        # ROOT_IMAGE_DIR is where ms-swift resolves relative image paths.
        set -e
        MODEL="${MODEL:-Qwen/Qwen2.5-VL-7B-Instruct}"
        export ROOT_IMAGE_DIR=\(sh(folder))
        \(command)

        """
        return [kitFile("swift.sh", "the ms-swift command line for this folder", script)] + (split == .rl ? rewardFiles : [])
    }

    /// verl: embed the images into parquet once, then train with the reward function.
    func verl(recordFile: String) -> [ExportSideFile] {
        let parquet = path((recordFile as NSString).deletingPathExtension + ".parquet")
        let script = """
        #!/bin/sh
        # verl on this folder, from any working directory; written by `thinkedit export`.
        # verl reads parquet: the first run embeds the images (\(Self.folderName)/to_parquet.py). Further
        # verl overrides follow on the command line: sh \(Self.folderName)/verl.sh actor_rollout_ref.model.path=...
        set -e
        if [ ! -f \(sh(parquet)) ]; then
            python3 \(sh(path("\(Self.folderName)/to_parquet.py"))) \(sh(path(recordFile))) \(sh(parquet))
        fi
        python3 -m verl.trainer.main_ppo \\
            data.train_files=\(sh(parquet)) \\
            data.val_files=\(sh(parquet)) \\
            data.prompt_key=prompt \\
            data.image_key=images \\
            custom_reward_function.path=\(sh(path("\(Self.folderName)/\(Self.rewardFileName)"))) \\
            custom_reward_function.name=verl_compute_score \\
            "$@"

        """
        return [kitFile("verl.sh", "the verl command line for this folder", script),
                kitFile("to_parquet.py", "turns `\(recordFile)` into parquet with the images embedded", KitResources.toParquet)]
            + rewardFiles
    }

    // MARK: - Quoting

    /// A YAML scalar: a JSON string is a valid YAML double-quoted scalar.
    private func yaml(_ s: String) -> String {
        var w = JSONWriter()
        w.string(s)
        return w.text
    }

    /// A POSIX shell word.
    private func sh(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension JudgePrompts {
    /// The three prompt texts, for a fingerprint.
    var texts: String { [system.text, semantic.text, quality.text].joined(separator: "\u{0}") }
}

/// The Python files the kits ship, compiled into the binary (one copy each, in `Kit/`).
enum KitResources {
    static var reward: String { String(decoding: PackageResources.thinkedit_reward_py, as: UTF8.self) }
    static var toParquet: String { String(decoding: PackageResources.to_parquet_py, as: UTF8.self) }
}
