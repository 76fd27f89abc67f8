#!/usr/bin/env python3
"""Load a thinkedit export through each trainer's own dataset code, without a model download.

    python3 trainer_loaders.py make-processor DIR
    python3 trainer_loaders.py llamafactory|swift|verl|easyr1 EXPORT_ROOT PROCESSOR_DIR [EDITTHINKER_REPO]

`make-processor` builds a tiny Qwen2-VL processor from transformers' own classes: a byte-level
tokenizer with the Qwen2-VL special tokens and chat template, Qwen2VLImageProcessor with a small
pixel budget, and a Qwen2-VL config (no weights). The other commands run in the trainer's virtual
environment (scripts/validate_with_trainers.sh makes them) and print one line per split folder:

    TRAINER SPLIT: loaded N of M records, failed K (S s)

and exit 1 when any record failed to load. They are meant to run from a working directory that is
not the export: nothing may resolve against it.
"""
import json
import os
import sys
import tempfile
import time

SPLITS = ("sft", "rl")
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
# The Qwen2-VL chat layout, written for this check: each image is a vision block, text as is.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' or 'image' in part %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
MAX_PIXELS = 112 * 112
MIN_PIXELS = 56 * 56


def report(trainer, split, loaded, total, seconds):
    failed = total - loaded
    print(f"{trainer} {split}: loaded {loaded} of {total} records, failed {failed} ({seconds:.1f} s)", flush=True)
    return failed


def records(path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            return len(json.load(f))
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


def kit_value(folder, kit, key):
    """A top-level or nested scalar of a run-kit YAML file (`a.b` for nested keys)."""
    import yaml
    with open(os.path.join(folder, "train", kit), encoding="utf-8") as f:
        value = yaml.safe_load(f)
    for part in key.split("."):
        value = value[part]
    return value


# ---------------------------------------------------------------------------- the processor

def make_processor(out):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2VLConfig, Qwen2VLImageProcessor, Qwen2VLProcessor
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                        additional_special_tokens=SPECIAL[1:])
    tokenizer.add_special_tokens({"additional_special_tokens": SPECIAL})
    tokenizer.chat_template = CHAT_TEMPLATE
    images = Qwen2VLImageProcessor(min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS)
    parts = dict(image_processor=images, tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)
    try:  # newer transformers want a video processor as well
        from transformers import Qwen2VLVideoProcessor
        parts["video_processor"] = Qwen2VLVideoProcessor()
    except ImportError:
        pass
    processor = Qwen2VLProcessor(**parts)
    processor.save_pretrained(out)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL}
    config = Qwen2VLConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                           num_attention_heads=2, num_key_value_heads=1, image_token_id=ids["<|image_pad|>"],
                           video_token_id=ids["<|video_pad|>"], vision_start_token_id=ids["<|vision_start|>"],
                           vision_end_token_id=ids["<|vision_end|>"], eos_token_id=ids["<|im_end|>"],
                           pad_token_id=ids["<|endoftext|>"])
    config.save_pretrained(out)
    print(f"tiny Qwen2-VL processor in {out}: {len(tokenizer)} tokens, images within {MAX_PIXELS} pixels")


def load_processor(path):
    from transformers import AutoProcessor
    return AutoProcessor.from_pretrained(path)


# ---------------------------------------------------------------------------- LLaMA-Factory

def llamafactory(root, proc):
    from llamafactory.data import SFTDataCollatorWith4DAttentionMask, get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer
    failed = 0
    for split in SPLITS:
        folder = os.path.join(root, split)
        total = records(os.path.join(folder, f"{split}.json"))
        start = time.time()
        out = tempfile.mkdtemp()
        args = dict(model_name_or_path=proc, stage="sft", do_train=True, finetuning_type="full", template="qwen2_vl",
                    dataset_dir=kit_value(folder, "llamafactory.yaml", "dataset_dir"),
                    dataset=kit_value(folder, "llamafactory.yaml", "dataset"),
                    media_dir=kit_value(folder, "llamafactory.yaml", "media_dir"),
                    cutoff_len=32768, output_dir=out, overwrite_cache=True, preprocessing_num_workers=1,
                    image_max_pixels=MAX_PIXELS, image_min_pixels=MIN_PIXELS, report_to="none",
                    per_device_train_batch_size=1)
        model_args, data_args, training_args, _, _ = get_train_args(args)
        tokenizer_module = load_tokenizer(model_args)
        template = get_template_and_fix_tokenizer(tokenizer_module["tokenizer"], data_args)
        dataset = get_dataset(template, model_args, data_args, training_args, stage="sft", **tokenizer_module)["train_dataset"]
        # Through the multimodal collator too: it opens the images and makes the vision inputs.
        collator = SFTDataCollatorWith4DAttentionMask(template=template, model=None, pad_to_multiple_of=8,
                                                      label_pad_token_id=-100, **tokenizer_module)
        collated = 0
        batch = []
        for row in dataset:
            batch.append(row)
            if len(batch) == 16:
                collated += len(batch) if collator(batch)["input_ids"].shape[0] == len(batch) else 0
                batch = []
        if batch:
            collated += len(batch) if collator(batch)["input_ids"].shape[0] == len(batch) else 0
        failed += report("llamafactory", split, min(len(dataset), collated), total, time.time() - start)
    return failed


# ---------------------------------------------------------------------------- ms-swift

def swift(root, proc):
    try:  # ms-swift 4
        from swift.dataset import load_dataset
        from swift.template.vision_utils import load_image
    except ImportError:  # ms-swift 3
        from swift.llm import load_dataset
        from swift.llm.template.vision_utils import load_image
    failed = 0
    for split in SPLITS:
        folder = os.path.join(root, split)
        name = "swift_grpo.jsonl" if split == "rl" else "swift_sft.jsonl"
        total = records(os.path.join(folder, name))
        start = time.time()
        # The kit's command line sets ROOT_IMAGE_DIR to the folder; do as it does.
        os.environ["ROOT_IMAGE_DIR"] = kit_root_image_dir(folder)
        train, _ = load_dataset([os.path.join(folder, name)], split_dataset_ratio=0.0, num_proc=2)
        loaded = 0
        for row in train:
            ok = bool(row.get("messages")) and len(row.get("images") or []) == 2
            for image in row.get("images") or []:
                try:  # ms-swift's own image opening, as its template does at training time
                    load_image(image["path"] if isinstance(image, dict) else image).load()
                except Exception:
                    ok = False
            loaded += 1 if ok else 0
        failed += report("swift", split, loaded, total, time.time() - start)
    return failed


def kit_root_image_dir(folder):
    with open(os.path.join(folder, "train", "swift.sh"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("export ROOT_IMAGE_DIR="):
                return line.split("=", 1)[1].strip().strip("'")
    raise SystemExit(f"{folder}/train/swift.sh does not set ROOT_IMAGE_DIR")


# ---------------------------------------------------------------------------- verl

def verl(root, proc):
    import subprocess
    from omegaconf import OmegaConf
    from verl.utils.dataset.rl_dataset import RLHFDataset
    processor = load_processor(proc)
    failed = 0
    for split in SPLITS:
        folder = os.path.join(root, split)
        total = records(os.path.join(folder, "verl.jsonl"))
        start = time.time()
        parquet = os.path.join(tempfile.mkdtemp(), "verl.parquet")
        subprocess.run([sys.executable, os.path.join(folder, "train", "to_parquet.py"), os.path.join(folder, "verl.jsonl"), parquet],
                       check=True, stdout=subprocess.DEVNULL)
        config = OmegaConf.create({"prompt_key": "prompt", "image_key": "images", "max_prompt_length": 32768,
                                   "filter_overlong_prompts": True, "filter_overlong_prompts_workers": 2,
                                   "truncation": "error", "return_raw_chat": False, "cache_dir": tempfile.mkdtemp()})
        dataset = RLHFDataset(data_files=[parquet], tokenizer=processor.tokenizer, config=config, processor=processor)
        # The overlong filter has run the processor over every row (its errors drop rows
        # silently); an item is the chat with its two images in place, as the rollout gets it.
        loaded = 0
        for i in range(len(dataset)):
            item = dataset[i]
            parts = [p for m in item["raw_prompt"] for p in (m["content"] if isinstance(m["content"], list) else [])]
            loaded += 1 if sum(1 for p in parts if p.get("type") == "image") == 2 else 0
        failed += report("verl", split, loaded, total, time.time() - start)
    return failed


# ---------------------------------------------------------------------------- EasyR1 (EditThinker)

def easyr1(root, proc, repo):
    # The EditThinker repository's EasyR1 is a package named `verl` too: its folder goes first.
    sys.path.insert(0, os.path.join(repo, "train", "EasyR1"))
    from verl.utils.dataset import RLHFDataset
    processor = load_processor(proc)
    failed = 0
    for split in SPLITS:
        folder = os.path.join(root, split)
        total = records(os.path.join(folder, "editthinker_rl.jsonl"))
        start = time.time()
        dataset = RLHFDataset(
            data_path=kit_value(folder, "easyr1.yaml", "data.train_files"), tokenizer=processor.tokenizer, processor=processor,
            answer_key=kit_value(folder, "easyr1.yaml", "data.answer_key"), image_dir=kit_value(folder, "easyr1.yaml", "data.image_dir"),
            max_prompt_length=32768, format_prompt=kit_value(folder, "easyr1.yaml", "data.format_prompt"),
            min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS, filter_overlong_prompts=True, filter_overlong_prompts_workers=1)
        loaded = 0
        for i in range(len(dataset)):
            item = dataset[i]
            loaded += 1 if item["input_ids"].numel() > 0 and item["ground_truth"] is not None else 0
        failed += report("easyr1", split, loaded, total, time.time() - start)
    return failed


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "make-processor":
        make_processor(sys.argv[2])
        return
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    trainer, root, proc = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    if trainer == "easyr1":
        failed = easyr1(root, proc, os.path.abspath(sys.argv[4]))
    else:
        failed = {"llamafactory": llamafactory, "swift": swift, "verl": verl}[trainer](root, proc)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
