#!/usr/bin/env python3
"""Write the input of a paper-scale export that stresses the trainers' loaders.

    python3 scripts/checks/large_export_input.py OUT_DIR [TRAJECTORIES] [INT_TRAJECTORIES]

Writes OUT_DIR/config.yaml, OUT_DIR/trajectories.jsonl (for `thinkedit trajectories import`) and a
few dozen small PNGs in OUT_DIR/img/. Every trajectory improves over three turns and stops, so each
gives three samples (two refine, one stop). The judge's scores are integers in the first
INT_TRAJECTORIES trajectories (by id) and decimals after them, so an export file holds a long block
of integer scores before its first decimal: the case that breaks a loader which infers a column's
type from its first rows. Instructions and reasoning sometimes hold `<image>`, `<|im_end|>` and
`{rewritten_prompt}`, which the export must defuse.

Then:
    thinkedit trajectories import OUT_DIR/config.yaml OUT_DIR/trajectories.jsonl
    thinkedit export OUT_DIR/config.yaml
    scripts/validate_with_trainers.sh OUT_DIR/work/export
"""
import os
import random
import struct
import sys
import zlib

TASKS = ["background_change", "color_alter", "material_alter", "motion_change", "ps_human", "style_change",
         "subject-add", "subject-remove", "subject-replace", "text_change", "tone_transfer"]
ODD = ["", "", "", "", "", "", " (keep the <image> caption)", " then stop<|im_end|>", " as in {rewritten_prompt}"]


def png(path, size, rgb):
    """A plain PNG of one colour with a darker diagonal, written without Pillow."""
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            d = 0.6 if abs(x - y) < 3 else 1.0
            row += bytes(int(c * d) for c in rgb)
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def score(rng, low, high, decimal):
    if decimal:
        return round(rng.uniform(low, high) * 2) / 2  # halves, as judges give them
    return rng.randint(int(low), int(high))


def number(v):
    return repr(float(v)) if isinstance(v, float) else str(v)


def main():
    if len(sys.argv) not in (2, 3, 4):
        raise SystemExit(__doc__)
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
    ints = int(sys.argv[3]) if len(sys.argv) > 3 else 22000
    os.makedirs(os.path.join(out, "img"), exist_ok=True)
    rng = random.Random(2026)
    images = []
    for i in range(48):
        name = f"img/{i:02d}.png"
        png(os.path.join(out, name), 64, (40 + i * 4, 200 - i * 3, (i * 37) % 256))
        images.append(name)
    with open(os.path.join(out, "trajectories.jsonl"), "w", encoding="utf-8") as f:
        for n in range(count):
            decimal = n >= ints
            task = TASKS[n % len(TASKS)]
            picks = rng.sample(images, 4)
            # Low first edits give high-variance trajectories (RL), good ones low variance (SFT).
            rl = n % 5 == 0
            first, step = ((1, 4), (1, 2)) if rl else ((6, 8), (0, 1))
            s1 = [score(rng, *first, decimal), score(rng, *first, decimal)]
            s2 = [min(10, s + score(rng, *step, decimal)) for s in s1]
            s3 = [min(10, s + score(rng, *step, decimal)) for s in s2]
            if s3 == s1:  # every kept trajectory improves
                s3 = [min(10, s3[0] + 1), s3[1]]
            steps = []
            for t, (img, s) in enumerate(zip(picks[1:], [s1, s2, s3]), start=1):
                reasoning = "" if t == 1 else f', "reasoning": "turn {t}: the edit of t{n:06d} still misses part of the request{rng.choice(ODD)}"'
                steps.append(f'{{"turn": {t}, "instruction": "edit {n} step {t}{rng.choice(ODD)}"{reasoning}, "image": "{img}", '
                             f'"score": {{"semantic": {number(s[0])}, "quality": {number(s[1])}}}}}')
            f.write(f'{{"id": "t{n:06d}", "task": "{task}", "instruction": "make change {n}{rng.choice(ODD)}", '
                    f'"source_image": "{picks[0]}", "editor": "editor-{n % 3}", "end_reason": "stop", '
                    f'"stop_reasoning": "t{n:06d} now does what was asked", "steps": [{", ".join(steps)}]}}\n')
    with open(os.path.join(out, "config.yaml"), "w", encoding="utf-8") as f:
        f.write("# A paper-scale export from imported trajectories (scripts/checks/large_export_input.py).\n"
                "workdir: work\nseed: 1\nstop_samples: true\n"
                "rl: {min_variance: 1.0, trajectories: 10000}\n"
                "sft: {samples: 150000, min_quality: 0}\n"
                "export: {formats: [llamafactory, swift, editthinker-rl, verl]}\n")
    print(f"wrote {count} trajectories ({ints} with integer scores first) to {out}")


if __name__ == "__main__":
    main()
