#!/usr/bin/env python3
"""Curation against a plain Python oracle on the same imported trajectories.

    python3 scripts/bench/curation.py [--count N] [--folder DIR] [--thinkedit PATH] [--repeats R]

1. Writes N trajectories (default 100,000) in the SPEC §4.2 import format: 1 to 6 turns, integer
   and half-point judge scores, now and then a given overall score, 11 tasks, `stop` or
   `max_turns`, images shared among a few small PNG files; then `thinkedit trajectories import`.
2. Times `thinkedit filter`, `thinkedit unroll` and `thinkedit split`, each its own process, as a
   user runs them, on a fresh copy of the imported run (R times; the median of the sums is
   reported).
3. Times this file's oracle: the same rules (docs/curation.md) written plainly in Python, reading
   the same JSONL into memory (R times, median).
4. Checks that both chose the same RL trajectories and the same SFT samples, sample by sample.

Prints both times and their ratio. Exits non-zero when the choices differ.
"""
import argparse
import hashlib
import json
import math
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "checks"))
from large_export_input import png  # noqa: E402  (a plain PNG writer, no Pillow)

TASKS = ["background_change", "color_alter", "material_alter", "motion_change", "ps_human", "style_change",
         "subject-add", "subject-remove", "subject-replace", "text_change", "tone_transfer"]
SEED, MIN_VARIANCE, RL_TRAJECTORIES, SFT_SAMPLES, MIN_QUALITY, BIN_WIDTH = 7, 1.0, 10000, 140000, 7.0, 1.0


def write_corpus(folder, count):
    os.makedirs(os.path.join(folder, "img"), exist_ok=True)
    images = []
    for i in range(8):
        name = f"img/{i}.png"
        png(os.path.join(folder, name), 16, (30 * i, 200 - 20 * i, 90))
        images.append(name)
    rng = random.Random(2026)

    def score():
        return rng.randint(0, 10) if rng.random() < 0.6 else rng.randint(0, 20) / 2

    with open(os.path.join(folder, "trajectories.jsonl"), "w", encoding="utf-8") as f:
        for n in range(count):
            steps = []
            for t in range(1, rng.randint(1, 6) + 1):
                s = {"semantic": score(), "quality": score()}
                if rng.random() < 0.1:
                    s["overall"] = min(10.0, max(0.0, round(math.sqrt(s["semantic"] * s["quality"]) + rng.choice((-0.5, 0, 0.5)), 1)))
                step = {"turn": t, "instruction": f"instruction {n} turn {t}", "image": images[(n + t) % 8], "score": s}
                if t > 1:
                    step["reasoning"] = f"turn {t - 1} of {n} missed part of the request"
                steps.append(step)
            f.write(json.dumps({"id": f"c{n:07d}", "task": TASKS[n % len(TASKS)], "instruction": f"instruction {n}",
                                "source_image": images[n % 8], "editor": "bench",
                                "end_reason": "stop" if rng.random() < 0.5 else "max_turns",
                                "stop_reasoning": "done", "steps": steps}) + "\n")
    with open(os.path.join(folder, "config.yaml"), "w", encoding="utf-8") as f:
        f.write(f"workdir: run\nseed: {SEED}\nstop_samples: true\nbin_width: {BIN_WIDTH}\n"
                f"rl: {{min_variance: {MIN_VARIANCE}, trajectories: {RL_TRAJECTORIES}}}\n"
                f"sft: {{samples: {SFT_SAMPLES}, min_quality: {MIN_QUALITY}}}\n")


# ------------------------------------------------------------------------------------- the oracle

def micros(x):
    """round6(x) in millionths, rounding halves away from zero as the pipeline does."""
    v = x * 1_000_000
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def score_bin(overall):
    w = micros(BIN_WIDTH)
    m = micros(overall)
    return 0 if m <= 0 else min(10_000_000 // w, m // w)


def quotas(sizes, target):
    if sum(sizes) <= target:
        return list(sizes)
    low, high = 0, max(sizes)
    while high - low > 1:
        mid = (low + high) // 2
        if sum(min(s, mid) for s in sizes) <= target:
            low = mid
        else:
            high = mid
    out = [min(s, low) for s in sizes]
    left = target - sum(out)
    for i, s in enumerate(sizes):
        if left > 0 and s > low:
            out[i] += 1
            left -= 1
    return out


def balanced(units, target):
    """units: (unit id, task, bin). Water-fills tasks (byte order), then bins; cuts by SHA-256."""
    by_task = {}
    for unit in units:
        by_task.setdefault(unit[1], {}).setdefault(unit[2], []).append(unit[0])
    tasks = sorted(by_task, key=lambda t: t.encode())
    chosen = []
    for task, quota in zip(tasks, quotas([sum(len(v) for v in by_task[t].values()) for t in tasks], target)):
        bins = sorted(by_task[task])
        for b, places in zip(bins, quotas([len(by_task[task][b]) for b in bins], quota)):
            group = by_task[task][b]
            if places < len(group):
                group = sorted(group, key=lambda u: hashlib.sha256(f"{SEED}:{u}".encode()).hexdigest())[:places]
            chosen.extend(group)
    return chosen


def oracle(path):
    kept = []  # (id, task, variance, first, minimum, samples: [(sample id, critique overall)])
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            overall = []
            for s in t["steps"]:
                sc = s["score"]
                overall.append(sc["overall"] if "overall" in sc else math.sqrt(sc["semantic"] * sc["quality"]))
            if len(overall) < 2:
                continue
            m = [micros(o) for o in overall]
            best = max(m[1:])
            if best < m[0]:
                continue
            k = m.index(best, 1) + 1
            mean = sum(overall[:k]) / k
            variance = micros(sum((o - mean) ** 2 for o in overall[:k]) / k)
            samples = [(f"{t['id']}#{i}", overall[i - 2]) for i in range(2, k + 1)]
            if k == len(overall) and t["end_reason"] == "stop":
                samples.append((f"{t['id']}#{k + 1}", overall[k - 1]))
            kept.append((t["id"], t["task"], variance, overall[0], min(m[:k]), samples))
    threshold = micros(MIN_VARIANCE)
    rl = set(balanced([(k[0], k[1], score_bin(k[3])) for k in kept if k[2] > threshold], RL_TRAJECTORIES))
    sft_units = [(sample, k[1], score_bin(critique)) for k in kept if k[0] not in rl
                 and (k[2] <= threshold or k[4] >= micros(MIN_QUALITY)) for sample, critique in k[5]]
    sft = set(balanced(sft_units, SFT_SAMPLES))
    rl_samples = {sample for k in kept if k[0] in rl for sample, _ in k[5]}
    return rl_samples, sft


# ------------------------------------------------------------------------------ SQLite's share

# What each stage reads, as the stages' own queries read it (every column used, no rules applied),
# and the table it writes.
STAGE_IO = [
    (["SELECT count(*), sum(semantic), sum(quality), sum(overall), sum(overall_given), sum(image IS NOT NULL), "
      "sum(coalesce(executed_prompt <> instruction, 0)) FROM turn",
      "SELECT count(*), sum(length(id)), sum(length(task)), count(status), count(end_reason) FROM trajectory"], "curation"),
    (["SELECT count(*), sum(c.turns), count(t.end_reason), sum(c.k), sum(c.variance), sum(c.first_overall), "
      "sum(c.best_overall), sum(c.min_overall) FROM curation c JOIN trajectory t ON t.seq = c.trajectory WHERE c.kept = 1"], "sample"),
    (["SELECT count(*), sum(length(t.id)), sum(length(t.task)), sum(c.variance), sum(c.first_overall), sum(c.min_overall) "
      "FROM curation c JOIN trajectory t ON t.seq = c.trajectory WHERE c.kept = 1",
      "SELECT count(*), sum(s.trajectory), sum(s.turn), sum(u.overall) FROM sample s "
      "JOIN turn u ON u.trajectory = s.trajectory AND u.turn = s.critique_turn"], "split_member"),
]


def sqlite_alone(base, workdir, finished):
    """The floor under any program that keeps this storage: on a fresh copy of the imported run,
    one connection per stage reads what the stage reads and inserts the rows the stage wrote
    (copied beforehand from `finished`, a curated run, into memory), commits and closes, as the
    stages do. No rules, no process start, no opening. Returns the seconds."""
    subprocess.run(["rm", "-rf", workdir], check=True)
    subprocess.run(["cp", "-r", base, workdir], check=True)
    rows = {}
    source = sqlite3.connect(f"file:{finished}?mode=ro", uri=True)
    for _, table in STAGE_IO:
        rows[table] = source.execute(f"SELECT * FROM {table}").fetchall()
    source.close()
    total = 0.0
    for reads, table in STAGE_IO:
        db = sqlite3.connect(os.path.join(workdir, "thinkedit.sqlite"), isolation_level=None)
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA temp_store = MEMORY")
        columns = len(rows[table][0]) if rows[table] else 1
        db.execute(f"CREATE TEMP TABLE staged AS SELECT * FROM main.{table} WHERE 0")
        db.executemany(f"INSERT INTO temp.staged VALUES ({', '.join('?' * columns)})", rows[table])
        start = time.perf_counter()  # opening and staging the rows in memory are not counted
        for sql in reads:
            db.execute(sql).fetchall()
        db.execute("BEGIN")
        db.execute(f"INSERT INTO main.{table} SELECT * FROM temp.staged")
        db.execute("COMMIT")
        db.close()
        total += time.perf_counter() - start
    return total


# ------------------------------------------------------------------------------------- the run

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100000)
    parser.add_argument("--folder", default="/tmp/thinkedit-bench-curation")
    parser.add_argument("--thinkedit", default=".build/release/thinkedit")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    thinkedit = os.path.abspath(args.thinkedit)
    folder = os.path.abspath(args.folder)
    subprocess.run(["rm", "-rf", folder], check=True)
    write_corpus(folder, args.count)
    config = os.path.join(folder, "config.yaml")
    jsonl = os.path.join(folder, "trajectories.jsonl")
    start = time.perf_counter()
    subprocess.run([thinkedit, "trajectories", "import", config, jsonl], check=True, stdout=subprocess.DEVNULL)
    print(f"corpus: {args.count} trajectories, imported in {time.perf_counter() - start:.1f} s")

    ours = []
    base = os.path.join(folder, "run")
    for i in range(args.repeats):
        # A finished stage is not run again: each repeat curates a fresh copy of the imported run.
        workdir = os.path.join(folder, f"run-{i}")
        subprocess.run(["cp", "-r", base, workdir], check=True)
        total = 0.0
        for stage in ("filter", "unroll", "split"):
            start = time.perf_counter()
            subprocess.run([thinkedit, stage, config, "--workdir", workdir], check=True, stdout=subprocess.DEVNULL)
            total += time.perf_counter() - start
        ours.append(total)
    theirs = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        rl, sft = oracle(jsonl)
        theirs.append(time.perf_counter() - start)

    floor = []
    for i in range(args.repeats):
        floor.append(sqlite_alone(base, os.path.join(folder, f"floor-{i}"), os.path.join(workdir, "thinkedit.sqlite")))

    db = sqlite3.connect(f"file:{os.path.join(workdir, 'thinkedit.sqlite')}?mode=ro", uri=True)
    chosen = {"rl": set(), "sft": set()}
    for tid, turn, split in db.execute("SELECT t.id, s.turn, m.split FROM split_member m JOIN sample s ON s.seq = m.sample "
                                       "JOIN trajectory t ON t.seq = s.trajectory"):
        chosen[split].add(f"{tid}#{turn}")
    same = chosen["rl"] == rl and chosen["sft"] == sft
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"thinkedit filter + unroll + split (three processes): {', '.join(f'{x:.2f}' for x in ours)} s; median {a:.2f} s")
    print(f"python oracle (read + filter + unroll + split):    {', '.join(f'{x:.2f}' for x in theirs)} s; median {b:.2f} s")
    f = statistics.median(floor)
    print(f"SQLite alone (the stages' reads and writes, no rules): {', '.join(f'{x:.2f}' for x in floor)} s; median {f:.2f} s "
          f"(the oracle at most {b / f:.2f}x its time)")
    print(f"ratio: {b / a:.2f}x  |  RL samples {len(rl)}, SFT samples {len(sft)}: "
          + ("the same choice" if same else f"DIFFERENT (thinkedit rl {len(chosen['rl'])}, sft {len(chosen['sft'])})"))
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
