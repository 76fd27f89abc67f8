#!/usr/bin/env python3
"""Pillow side of `thinkedit bench images`: the same work on the same corpus.

For every file in CORPUS/manifest.json (written by the Swift bench): decode from memory, for a JPEG
let Pillow's draft() pick a DCT scale (as thinkedit uses libjpeg's scale_denom), resize to the
target size listed in the manifest with the same filter, encode in the input's format with the same
zlib level (PNG) or quality and 4:2:0 chroma (JPEG). Threads take every T-th image; Pillow releases
the GIL inside its codecs and resampling, so threads run in parallel.

Prints one JSON object: {"pillow": version, "results": [{"format", "threads", "seconds": [...],
"output_bytes"}]}.
"""
import argparse
import io
import json
import os
import threading
import time

from PIL import Image, __version__ as PILLOW_VERSION

FILTERS = {"box": Image.Resampling.BOX, "triangle": Image.Resampling.BILINEAR,
           "bicubic": Image.Resampling.BICUBIC, "lanczos3": Image.Resampling.LANCZOS}


def process(item, args):
    im = Image.open(io.BytesIO(item["bytes"]))
    target = tuple(item["target"])
    if item["format"] == "jpeg":
        im.draft("RGB", target)  # largest DCT scale whose size is still >= target
    im = im.convert("RGB")
    if im.size != target:
        im = im.resize(target, FILTERS[args.filter])
    out = io.BytesIO()
    if item["format"] == "png":
        im.save(out, "PNG", compress_level=args.png_level)
    else:
        im.save(out, "JPEG", quality=args.jpeg_quality, subsampling=2)  # 2 = 4:2:0
    return out.tell()


def run_once(items, threads, args):
    totals = [0] * threads
    errors = []

    def worker(w):
        try:
            for item in items[w::threads]:
                totals[w] += process(item, args)
        except Exception as e:  # reported after the join
            errors.append(e)

    pool = [threading.Thread(target=worker, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return sum(totals)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", required=True)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repetitions", type=int, default=5)
    p.add_argument("--png-level", type=int, default=1)
    p.add_argument("--jpeg-quality", type=int, default=90)
    p.add_argument("--filter", default="bicubic", choices=sorted(FILTERS))
    args = p.parse_args()
    with open(os.path.join(args.corpus, "manifest.json")) as f:
        manifest = json.load(f)
    items = []
    for entry in manifest["items"]:
        with open(os.path.join(args.corpus, entry["file"]), "rb") as f:
            items.append({"format": entry["format"], "target": entry["target"], "bytes": f.read()})
    results = []
    for fmt in ("png", "jpeg"):
        subset = [i for i in items if i["format"] == fmt]
        for threads in [int(t) for t in args.threads.split(",")]:
            seconds, output = [], 0
            for rep in range(args.repetitions + 1):  # the first one warms up, untimed
                start = time.perf_counter()
                output = run_once(subset, threads, args)
                if rep > 0:
                    seconds.append(time.perf_counter() - start)
            results.append({"format": fmt, "threads": threads, "images": len(subset),
                            "seconds": seconds, "output_bytes": output})
    print(json.dumps({"pillow": PILLOW_VERSION, "results": results}))


if __name__ == "__main__":
    main()
