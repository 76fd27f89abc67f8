#!/usr/bin/env python3
"""Check a thinkedit export the way the trainers will read it.

    python3 scripts/validate_exports.py EXPORT_ROOT MAX_PIXELS

For each of EXPORT_ROOT/sft and EXPORT_ROOT/rl: loads every JSON/JSONL file with Hugging Face
`datasets`; checks the manifest (sorted by id, one row per record of every format, same image
paths); opens every image with Pillow and checks width * height <= MAX_PIXELS; checks the
LLaMA-Factory rules (dataset_info.json entry: file, sharegpt formatting, columns and tags; roles
alternate user/assistant; one <image> per listed image), the ms-swift rows, the EditThinker RL rows
and the verl rules (columns, prompt is a chat list, images list); converts verl.jsonl to parquet with
the folder's train/to_parquet.py and reads it back with pyarrow. And what a trainer started elsewhere
relies on: everything is read from a working directory that is not the export (image paths resolve
as the run kits say), every score column loads as one float type, the EditThinker RL loader's prompt
(train/easyr1_prompt.jinja filled as its RLHFDataset fills it) equals the SFT user turn word for
word, as do the verl and ms-swift prompts, and the run kit's reward function gives the exported
target full format and critique rewards. Exits 1 listing the failures, else prints one summary line.
"""
import base64
import http.server
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading

import pyarrow.parquet as pq
from datasets import load_dataset
from datasets.utils.logging import disable_progress_bar
from PIL import Image

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


def kit_folder(folder):
    """Where relative image paths resolve, as the run kit tells LLaMA-Factory (media_dir)."""
    path = os.path.join(folder, "train", "llamafactory.yaml")
    if not os.path.isfile(path):
        return folder
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("media_dir:"):
                return json.loads(line.split(":", 1)[1].strip())
    return folder


def loader_prompt(format_prompt, row):
    """The user prompt as the EditThinker RL loader builds it (RLHFDataset._build_messages)."""
    return format_prompt.strip().replace("{original_instruction}", row.get("origin_prompt", "")).replace(
        "{rewritten_prompt}", row.get("rewritten_prompt", ""))


def float_columns(c, where, features, names):
    """Each named (possibly nested, dotted) column loaded as a float type, whatever the judge wrote."""
    for name in names:
        f = features
        for part in name.split("."):
            f = f[part] if f is not None and part in f else None
        if f is None:
            c.fail(where, f"no column {name}")
        else:
            c.that(getattr(f, "dtype", None) in ("float64", "float32"), where, f"column {name} loads as {f}, not a float")


def load_reward(folder):
    path = os.path.join(folder, "train", "thinkedit_reward.py")
    if not os.path.isfile(path):
        return None
    spec = importlib.util.spec_from_file_location(f"thinkedit_reward_{abs(hash(folder))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeModels(http.server.BaseHTTPRequestHandler):
    """An editthinker-http editor (POST /edit) and an OpenAI-compatible judge (POST
    /v1/chat/completions) for the reward's edit-improvement term: the editor hands the image
    back, the judge answers {"score": [9, 7]}. Every request body is kept for the checks."""
    seen = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeModels.seen.append((self.path, body))
        if self.path == "/edit":
            answer = {"success": True, "edited_image": body["image"]}
        else:
            answer = {"choices": [{"message": {"role": "assistant", "content": '{"score": [9, 7], "reasoning": "fine"}'}}]}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_):
        pass


def check_improvement(c, reward, where, source_path):
    """The edit-improvement term over the wire formats: the answer goes to the editor with the
    source image, the judge gets the run's semantic prompt with both images, and the term is
    ((judged semantic - critiqued semantic) / 10 + 1) / 2."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeModels)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    os.environ.update(THINKEDIT_EDITOR_URL=url, THINKEDIT_JUDGE_URL=url + "/v1")
    try:
        FakeModels.seen.clear()
        text = '<think>a</think><score>{"semantic": 4, "quality": 6}</score><answer>paint the door red</answer>'
        terms = reward.score_completion(text, {"semantic": 5.0, "quality": 6.0}, source_path, "make the door red")
        c.that(abs(terms["improvement"] - 0.6) < 1e-9, where, f"improvement {terms['improvement']} for semantic 5 -> 7 (expected 0.6)")
        c.that(abs(terms["overall"] - (0.5 * terms["format"] + 0.5 * terms["improvement"])) < 1e-9, where, f"overall {terms}")
        paths = [p for p, _ in FakeModels.seen]
        c.that(paths == ["/edit", "/v1/chat/completions"], where, f"requests {paths}")
        if paths == ["/edit", "/v1/chat/completions"]:
            edit, judge = FakeModels.seen[0][1], FakeModels.seen[1][1]
            with open(source_path, "rb") as fh:
                c.that(base64.b64decode(edit["image"]) == fh.read() and edit["prompt"] == "paint the door red", where,
                       "the editor did not get the source image and the answer")
            user = judge["messages"][1]["content"]
            c.that("make the door red" in user[0]["text"] and [p["type"] for p in user] == ["text", "image_url", "image_url"], where,
                   "the judge did not get the semantic prompt with the instruction and two images")
    finally:
        for k in ("THINKEDIT_EDITOR_URL", "THINKEDIT_JUDGE_URL"):
            os.environ.pop(k, None)
        server.shutdown()


def check_split(c, root, split, max_pixels, cache, seen_images):
    folder = os.path.join(root, split)
    base = kit_folder(folder)
    resolve = lambda p: p if os.path.isabs(p) else os.path.join(base, p)
    users, targets, evaluations = [], [], []
    where = lambda f, i=None: f"{split}/{f}" + (f" row {i}" if i is not None else "")
    manifest_path = os.path.join(folder, "manifest.jsonl")
    if not c.that(os.path.isfile(manifest_path), where("manifest.jsonl"), "missing"):
        return 0, []
    manifest = load(manifest_path, cache) if os.path.getsize(manifest_path) else []
    if manifest:
        float_columns(c, where("manifest.jsonl"), manifest.features,
                      ["critique_score.semantic", "critique_score.quality", "critique_score.overall", "trajectory_variance"])
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
    # The formats that carry the user turn first, so the EditThinker RL prompt has one to match.
    order = lambda f: (0 if f == f"{split}.json" else 1 if f.startswith("swift_") else 2 if f == "verl.jsonl" else 3, f)
    files = sorted((f for f in os.listdir(folder) if f.endswith((".json", ".jsonl")) and f != "manifest.jsonl"), key=order)
    for f in files:
        path = os.path.join(folder, f)
        if f == "dataset_info.json":
            continue
        if f == "settings.json":
            # The settings records the rows name (SPEC §4.4): every id a manifest row names is here.
            with open(path) as fh:
                records = json.load(fh)
            for i, r in enumerate(manifest):
                for stage in ("generate", "score"):
                    c.that(r["settings"][stage] in records.get(stage, {}), where("manifest.jsonl", i),
                           f"settings.{stage} {r['settings'][stage]!r} is not in settings.json")
            continue
        rows = load(path, cache) if os.path.getsize(path) > 3 else []
        c.that(len(rows) == len(manifest), where(f), f"{len(rows)} rows for {len(manifest)} manifest rows")
        if f == f"{split}.json":
            formats.append("llamafactory")
            for i, r in enumerate(rows):
                check_messages(c, where(f, i), r["messages"], r["images"], True)
                same_images(f, i, r["images"])
                users.append(r["messages"][0]["content"])
                targets.append(r["messages"][1]["content"])
        elif f.startswith("swift_"):
            formats.append("swift")
            grpo = f == "swift_grpo.jsonl"
            if grpo and rows:
                float_columns(c, where(f), rows.features, ["critique_semantic", "critique_quality", "critique_overall", "result_overall"])
            for i, r in enumerate(rows):
                check_messages(c, where(f, i), r["messages"], r["images"], not grpo)
                same_images(f, i, r["images"])
                if i < len(users):
                    c.that(r["messages"][0]["content"] == users[i], where(f, i), "user turn differs from the LLaMA-Factory record's")
                elif len(users) == i:
                    users.append(r["messages"][0]["content"])
                if grpo:
                    c.that(isinstance(r.get("solution"), str) and r["solution"].startswith("<think>"), where(f, i), "GRPO row without a solution")
                    c.that(r.get("id") == ids[i] if i < len(ids) else False, where(f, i), "metadata id differs from the manifest")
        elif f == "editthinker_rl.jsonl":
            formats.append("editthinker-rl")
            if rows:
                float_columns(c, where(f), rows.features, ["evaluation.semantics", "evaluation.quality"])
            prompt_path = os.path.join(folder, "train", "easyr1_prompt.jinja")
            format_prompt = open(prompt_path, encoding="utf-8").read() if os.path.isfile(prompt_path) else None
            c.that(format_prompt is not None, where("train/easyr1_prompt.jinja"), "missing")
            for i, r in enumerate(rows):
                evaluations.append(r.get("evaluation"))
                if format_prompt is not None and i < len(users):
                    c.that(loader_prompt(format_prompt, r) == users[i], where(f, i),
                           "the EditThinker RL loader's prompt differs from the SFT user turn")
                for key in ("origin_prompt", "rewritten_prompt", "origin_image_path", "edited_image_path", "evaluation"):
                    c.that(r.get(key) is not None, where(f, i), f"no {key}")
                ev = r.get("evaluation") or {}
                c.that("semantics" in ev and "quality" in ev, where(f, i), "evaluation lacks semantics/quality")
                same_images(f, i, [r["origin_image_path"], r["edited_image_path"]])
            c.that(not rows or len(users) == len(rows), where(f), "no other format carries the user turn to compare the loader's prompt with")
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
                if i < len(users):
                    c.that(prompt[0]["content"] == users[i], where(f, i), "prompt differs from the SFT user turn")
                elif len(users) == i:
                    users.append(prompt[0]["content"])
                same_images(f, i, [im["image"] for im in r["images"]])
                rm = r["reward_model"]
                c.that(rm.get("style") == "rule" and isinstance(rm.get("ground_truth"), str), where(f, i), "reward_model needs style and ground_truth")
            out = os.path.join(cache, f"{split}-verl.parquet")
            run = subprocess.run([sys.executable, os.path.join(folder, "train", "to_parquet.py"), path, out], capture_output=True, text=True)
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

    # The kit's reward gives each exported target full format and critique rewards, in the
    # EasyR1 (batch) and verl entry points; a wrong score lowers the critique reward.
    reward = load_reward(folder)
    if c.that(reward is not None or not targets, where("train/thinkedit_reward.py"), "missing") and reward is not None:
        for i, target in enumerate(targets[:200]):
            terms = reward.verl_compute_score("thinkedit", target, target, {})
            c.that(terms["format"] == 1.0 and terms["critique"] == 1.0, where("train/thinkedit_reward.py", i), f"verl terms for the target: {terms}")
            if i < len(evaluations) and evaluations[i] is not None:
                (easy,) = reward.compute_score([{"response": target, "ground_truth": evaluations[i]}])
                c.that(easy["format"] == 1.0 and easy["critique"] == 1.0, where("train/thinkedit_reward.py", i), f"EasyR1 terms for the target: {easy}")
        if targets:
            truth = reward.truth_from_target(targets[0])
            worse = reward.critique_reward('<think>x</think><score>{"semantic": %s, "quality": %s}</score><answer>y</answer>'
                                           % (truth["semantic"] + 2, truth["quality"]), truth)
            c.that(abs(worse - 0.8) < 1e-9, where("train/thinkedit_reward.py"), f"critique reward {worse} for a semantic 2 off (expected 0.8)")
            if pairs:
                check_improvement(c, reward, where("train/thinkedit_reward.py"), resolve(pairs[0][0]))

    # Every image: opens, fits the budget; once per path.
    for pair in pairs:
        for p in pair:
            full = resolve(p)
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
    root, max_pixels = os.path.abspath(sys.argv[1]), int(sys.argv[2])
    c = Check()
    counts, seen = {}, set()
    formats = set()
    with tempfile.TemporaryDirectory() as cache:
        # As a trainer started from another folder: nothing may resolve against the export.
        os.chdir(cache)
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
