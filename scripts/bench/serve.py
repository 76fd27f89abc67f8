#!/usr/bin/env python3
"""Times `thinkedit serve` on a run: starts the server (the time until it listens includes
building or refreshing the search index), walks PAGES pages one after another like a researcher
clicking through (overview, table pages by keyset, filtered and sorted and searched tables,
trajectories, samples, thumbnails) and prints the median and p95 latency per kind and overall,
and the server's resident memory (now and peak, from /proc).

    scripts/bench/serve.py CONFIG [--workdir DIR] [--pages 200] [--thinkedit .build/release/thinkedit]
"""
import argparse, os, random, re, socket, sqlite3, statistics, subprocess, sys, time, urllib.parse, urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def memory(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) / 1024
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--workdir")
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--thinkedit", default=".build/release/thinkedit")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    port = free_port()
    cmd = [a.thinkedit, "serve", a.config, "--port", str(port)] + (["--workdir", a.workdir] if a.workdir else [])
    start = time.monotonic()
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = server.stdout.readline()
    if not line.startswith("serving"):
        print("the server did not start:", line, server.stdout.read(), file=sys.stderr)
        sys.exit(1)
    startup = time.monotonic() - start
    workdir = re.match(r"serving (.*) at http", line).group(1)
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(workdir, "thinkedit.sqlite"), uri=True)
    base = "http://127.0.0.1:%d" % port
    rng = random.Random(a.seed)
    ids = [r[0] for r in db.execute("SELECT id FROM trajectory ORDER BY id")]
    tasks = [r[0] for r in db.execute("SELECT DISTINCT task FROM trajectory")]
    samples = [r[0] + "#" + str(r[1]) for r in db.execute(
        "SELECT t.id, s.turn FROM split_member m JOIN sample s ON s.seq = m.sample JOIN trajectory t ON t.seq = s.trajectory LIMIT 2000")]
    images = [r[0] for r in db.execute("SELECT hash FROM image LIMIT 200")]
    words = ["red", "background", "shadow", "texture", "whole", "edge"]
    q = lambda **kw: urllib.parse.urlencode(kw)

    times = {}

    def get(kind, path):
        t0 = time.monotonic()
        with urllib.request.urlopen(base + path) as r:
            body = r.read()
        times.setdefault(kind, []).append(time.monotonic() - t0)
        return body.decode("utf-8", "replace") if kind != "thumbnail" else ""

    def follow(kind, path, pages):
        for _ in range(pages):
            html = get(kind, path)
            m = re.search(r'<a rel="next" href="([^"]*)"', html)
            if not m:
                return
            path = m.group(1).replace("&amp;", "&")

    walked = 0
    while walked < a.pages:
        get("overview", "/"); walked += 1
        follow("table", "/trajectories", 4); walked += 4
        follow("table filtered", "/trajectories?" + q(task=rng.choice(tasks), best_min=6, best_max=9), 2); walked += 2
        follow("table sorted", "/trajectories?" + q(sort=rng.choice(["best", "first", "variance"]), dir="desc", verdict="kept"), 2); walked += 2
        for sort in ["first", "best", "variance", "turns"]:
            follow("sort=" + sort, "/trajectories?" + q(sort=sort, dir=rng.choice(["asc", "desc"])), 2); walked += 2
        follow("table search", "/trajectories?" + q(q=rng.choice(words) + " " + rng.choice(words), task=rng.choice(tasks)), 2); walked += 2
        for _ in range(4):
            get("trajectory", "/trajectory?" + q(id=rng.choice(ids))); walked += 1
        if samples:
            get("sample", "/sample?" + q(id=rng.choice(samples))); walked += 1
        get("thumbnail", "/thumb/" + rng.choice(images)); walked += 1
    mem = memory(server.pid)
    server.terminate()
    server.wait()

    def line(kind, xs):
        xs = sorted(xs)
        p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
        print("%-16s %6d %10.1f %10.1f %10.1f" % (kind, len(xs), statistics.median(xs) * 1000, p95 * 1000, xs[-1] * 1000))

    print("run: %s, %d trajectories; server up in %.1f s (search index included)" % (workdir, len(ids), startup))
    print("%-16s %6s %10s %10s %10s" % ("page", "count", "median ms", "p95 ms", "max ms"))
    for kind, xs in times.items():
        line(kind, xs)
    line("all", [x for xs in times.values() for x in xs])
    print("server memory: %.0f MiB resident now, %.0f MiB peak" % (mem.get("VmRSS", 0), mem.get("VmHWM", 0)))


if __name__ == "__main__":
    main()
