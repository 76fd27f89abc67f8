#!/usr/bin/env python3
"""Check a thinkedit export the way the trainers will read it.

    python3 scripts/validate_exports.py EXPORT_ROOT MAX_PIXELS

For each of EXPORT_ROOT/sft and EXPORT_ROOT/rl: loads every JSON/JSONL file with Hugging Face
`datasets`; checks the manifest (sorted by id, one row per record of every format, same image
paths); opens every image with Pillow and checks width * height <= MAX_PIXELS; checks the
LLaMA-Factory rules (dataset_info.json entry: file, sharegpt formatting, columns and tags; roles
alternate user/assistant; one <image> per listed image), the ms-swift rows, the EditThinker RL rows
and the verl rules (columns, prompt is a chat list, images list); converts verl.jsonl to parquet with
scripts/to_parquet.py and reads it back with pyarrow. Exits 1 listing the failures, else prints one
summary line.
"""
import json
import os
import subprocess
import sys
import tempfile

import pyarrow.parquet as pq
from datasets import load_dataset
from datasets.utils.logging import disable_progress_bar
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
MARK = "<image>"
LF_TAGS = {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"}


class Check:
    def __init__(self):
        self.errors = []

    def fail(self, where, what):
        self.errors.append(f"{where}: {what}")

    def that(self, ok, where, what):
        if not ok:
            self.fail(where, what)
        return ok


def load(path, cache):
    return load_dataset("json", data_files=path, split="train", cache_dir=cache)


def check_messages(c, where, messages, images, want_assistant):
    if not c.that(isinstance(messages, list) and messages, where, "messages is not a non-empty list"):
        return
    roles = [m.get("role") for m in messages]
    expected = ["user" if i % 2 == 0 else "assistant" for i in range(len(roles))]
    c.that(roles == expected, where, f"roles do not alternate user/assistant: {roles}")
    c.that((roles[-1] == "assistant") == want_assistant, where, f"last role is {roles[-1]}")
    marks = sum(str(m.get("content", "")).count(MARK) for m in messages)
    c.that(marks == len(images), where, f"{marks} {MARK} marks for {len(images)} images")


def check_split(c, root, split, max_pixels, cache, seen_images):
    folder = os.path.join(root, split)
    where = lambda f, i=None: f"{split}/{f}" + (f" row {i}" if i is not None else "")
    manifest_path = os.path.join(folder, "manifest.jsonl")
    if not c.that(os.path.isfile(manifest_path), where("manifest.jsonl"), "missing"):
        return 0, []
    manifest = load(manifest_path, cache) if os.path.getsize(manifest_path) else []
    ids = [r["id"] for r in manifest]
    c.that(ids == sorted(ids, key=lambda s: s.encode()), where("manifest.jsonl"), "rows are not sorted by id (byte order)")
    c.that(len(set(ids)) == len(ids), where("manifest.jsonl"), "ids repeat")
    pairs = []
    for i, r in enumerate(manifest):
        c.that(r["kind"] in ("refine", "stop"), where("manifest.jsonl", i), f"kind {r['kind']!r}")
        c.that(r["split"] == split, where("manifest.jsonl", i), f"split {r['split']!r} in the {split} folder")
        c.that(r["id"] == f"{r['trajectory']}#{r['turn']}", where("manifest.jsonl", i), "id is not trajectory#turn")
        c.that((r["result_score"] is None) == (r["kind"] == "stop"), where("manifest.jsonl", i), "result_score must be null exactly for stop samples")
        pairs.append([r["source_image"], r["input_image"]])

    def same_images(file, i, images):
        if i < len(pairs):
            c.that(list(images) == pairs[i], where(file, i), f"images {images} differ from the manifest's {pairs[i]}")

    formats = []
    files = sorted(f for f in os.listdir(folder) if f.endswith((".json", ".jsonl")) and f != "manifest.jsonl")
    for f in files:
        path = os.path.join(folder, f)
        if f == "dataset_info.json":
            continue
        rows = load(path, cache) if os.path.getsize(path) > 3 else []
        c.that(len(rows) == len(manifest), where(f), f"{len(rows)} rows for {len(manifest)} manifest rows")
        if f == f"{split}.json":
            formats.append("llamafactory")
            for i, r in enumerate(rows):
                check_messages(c, where(f, i), r["messages"], r["images"], True)
                same_images(f, i, r["images"])
        elif f.startswith("swift_"):
            formats.append("swift")
            grpo = f == "swift_grpo.jsonl"
            for i, r in enumerate(rows):
                check_messages(c, where(f, i), r["messages"], r["images"], not grpo)
                same_images(f, i, r["images"])
                if grpo:
                    c.that(isinstance(r.get("solution"), str) and r["solution"].startswith("<think>"), where(f, i), "GRPO row without a solution")
                    c.that(r.get("id") == ids[i] if i < len(ids) else False, where(f, i), "metadata id differs from the manifest")
        elif f == "editthinker_rl.jsonl":
            formats.append("editthinker-rl")
            for i, r in enumerate(rows):
                for key in ("origin_prompt", "rewritten_prompt", "origin_image_path", "edited_image_path", "evaluation"):
                    c.that(r.get(key) is not None, where(f, i), f"no {key}")
                ev = r.get("evaluation") or {}
                c.that("semantics" in ev and "quality" in ev, where(f, i), "evaluation lacks semantics/quality")
                same_images(f, i, [r["origin_image_path"], r["edited_image_path"]])
        elif f == "verl.jsonl":
            formats.append("verl")
            for i, r in enumerate(rows):
                for key in ("data_source", "prompt", "images", "ability", "reward_model", "extra_info"):
                    c.that(key in r and r[key] is not None, where(f, i), f"no {key} column")
                prompt = r["prompt"]
                c.that(isinstance(prompt, list) and all(isinstance(m, dict) and "role" in m and "content" in m for m in prompt),
                       where(f, i), "prompt is not a chat list")
                c.that(isinstance(r["images"], list), where(f, i), "images is not a list")
                check_messages(c, where(f, i), prompt, r["images"], False)
                same_images(f, i, [im["image"] for im in r["images"]])
                rm = r["reward_model"]
                c.that(rm.get("style") == "rule" and isinstance(rm.get("ground_truth"), str), where(f, i), "reward_model needs style and ground_truth")
            out = os.path.join(cache, f"{split}-verl.parquet")
            run = subprocess.run([sys.executable, os.path.join(HERE, "to_parquet.py"), path, out], capture_output=True, text=True)
            if c.that(run.returncode == 0, where(f), f"to_parquet.py failed: {run.stderr.strip() or run.stdout.strip()}"):
                parquet = pq.ParquetFile(out)
                c.that(parquet.metadata.num_rows == len(rows), where("verl.parquet"), f"{parquet.metadata.num_rows} rows for {len(rows)}")
                i = 0
                for batch in parquet.iter_batches(batch_size=64, columns=["images"]):
                    for images in batch.column(0).to_pylist():
                        for im in images:
                            full = im["path"] if os.path.isabs(im["path"]) else os.path.join(folder, im["path"])
                            with open(full, "rb") as fh:
                                c.that(im["bytes"] == fh.read(), where("verl.parquet", i), f"embedded bytes differ from {im['path']}")
                        i += 1
                os.remove(out)
        else:
            c.fail(where(f), "a file no format writes")

    info_path = os.path.join(folder, "dataset_info.json")
    if os.path.exists(info_path):
        with open(info_path, encoding="utf-8") as fh:
            info = json.load(fh)
        c.that(len(info) >= 1, where("dataset_info.json"), "no entry")
        for name, entry in info.items():
            w = where("dataset_info.json") + f" entry {name}"
            c.that(os.path.isfile(os.path.join(folder, entry.get("file_name", ""))), w, f"file_name {entry.get('file_name')!r} is not in the folder")
            c.that(entry.get("formatting") == "sharegpt", w, "formatting is not sharegpt")
            c.that(entry.get("columns") == {"messages": "messages", "images": "images"}, w, f"columns {entry.get('columns')}")
            c.that(entry.get("tags") == LF_TAGS, w, f"tags {entry.get('tags')}")

    # Every image: opens, fits the budget; once per path.
    for pair in pairs:
        for p in pair:
            full = p if os.path.isabs(p) else os.path.join(folder, p)
            if full in seen_images:
                continue
            seen_images.add(full)
            try:
                with Image.open(full) as im:
                    im.load()
                    c.that(im.width * im.height <= max_pixels, full, f"{im.width}x{im.height} exceeds {max_pixels} pixels")
            except Exception as e:  # a missing or damaged file
                c.fail(full, f"cannot be opened: {e}")
    return len(manifest), formats


def main():
    disable_progress_bar()
    if len(sys.argv) != 3:
        raise SystemExit("usage: validate_exports.py EXPORT_ROOT MAX_PIXELS")
    root, max_pixels = sys.argv[1], int(sys.argv[2])
    c = Check()
    counts, seen = {}, set()
    formats = set()
    with tempfile.TemporaryDirectory() as cache:
        for split in ("sft", "rl"):
            if not c.that(os.path.isdir(os.path.join(root, split)), os.path.join(root, split), "missing: run `thinkedit export` first"):
                continue
            n, f = check_split(c, root, split, max_pixels, cache, seen)
            counts[split] = n
            formats.update(f)
    if c.errors:
        print(f"validate_exports: {len(c.errors)} problem(s) in {root}:", file=sys.stderr)
        for e in c.errors[:30]:
            print("  " + e, file=sys.stderr)
        sys.exit(1)
    print(f"validate_exports: OK {root}: sft {counts.get('sft', 0)} samples, rl {counts.get('rl', 0)} samples, "
          f"{len(seen)} images within {max_pixels} pixels, formats: {', '.join(sorted(formats))}")


if __name__ == "__main__":
    main()
