#!/usr/bin/env python3
"""Writes a large trajectory file for `thinkedit trajectories import`, to measure `thinkedit serve`
at paper scale without model calls: N trajectories of 1-5 scored turns with instructions and
reasoning of realistic length, over a few dozen small PNGs (the import stores each distinct image
once, so the run stays small on disk).

    scripts/bench/serve-data.py OUT_DIR [--count 130000] [--seed 1]
    thinkedit trajectories import CONFIG OUT_DIR/trajectories.jsonl
"""
import argparse, json, os, random, struct, zlib

TASKS = ["background_change", "color_alter", "material_alter", "motion_change", "ps_human", "style_change",
         "subject-add", "subject-remove", "subject-replace", "text_change", "tone_transfer"]
WORDS = ("the a red blue green small large left right top bottom circle square triangle shape background "
         "color make turn replace remove add paint whole only edge sky wall car house tree person hat shirt "
         "brighter darker texture wooden metal glass smooth rough style watercolor sketch photo light shadow "
         "missing partially changed unchanged artifacts blur noise seam keep rest instead precisely exactly").split()


def png(width, height, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def sentence(rng, lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=130000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--images", type=int, default=64)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "img"), exist_ok=True)
    names = []
    for i in range(a.images):
        name = "img/%03d.png" % i
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(png(192, 128, (rng.randrange(256), rng.randrange(256), rng.randrange(256))))
        names.append(name)
    with open(os.path.join(a.out, "trajectories.jsonl"), "w") as f:
        for n in range(a.count):
            turns = rng.randint(1, 5)
            instruction = sentence(rng, 6, 18)
            steps = []
            for t in range(1, turns + 1):
                step = {"turn": t, "instruction": instruction if t == 1 else sentence(rng, 8, 24),
                        "image": rng.choice(names),
                        "score": {"semantic": rng.randint(0, 10), "quality": rng.randint(3, 10)}}
                if t > 1:
                    step["reasoning"] = sentence(rng, 30, 90)
                steps.append(step)
            stop = turns < 5 or rng.random() < 0.5
            row = {"id": "b-%06d" % n, "task": rng.choice(TASKS), "instruction": instruction,
                   "source_image": rng.choice(names), "editor": rng.choice(["flux-kontext", "qwen-image-edit", "omnigen2"]),
                   "end_reason": "stop" if stop else "max_turns", "steps": steps}
            if stop:
                row["stop_reasoning"] = sentence(rng, 20, 50)
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
