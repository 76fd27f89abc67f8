#!/usr/bin/env python3
"""Turn a thinkedit verl JSONL export into parquet with the image bytes embedded.

    python3 scripts/to_parquet.py IN.jsonl OUT.parquet

Each row's `images` list of {"image": PATH} becomes a list of {"bytes": <file bytes>, "path": PATH}
(the struct Hugging Face `datasets` uses for an Image feature, which verl's image loader opens from
its bytes). Relative paths resolve against the folder of IN.jsonl. Every other column is kept as
it is. The parquet is written to a temporary name and renamed.
"""
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def convert(src: str, dst: str) -> int:
    base = os.path.dirname(os.path.abspath(src))
    rows = []
    cache = {}
    with open(src, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise SystemExit(f"{src}:{number}: not valid JSON ({e}); re-run `thinkedit export`")
            images = row.get("images")
            if not isinstance(images, list):
                raise SystemExit(f"{src}:{number}: `images` is not a list; is this a thinkedit verl.jsonl?")
            embedded = []
            for item in images:
                path = item.get("image") if isinstance(item, dict) else item
                if not isinstance(path, str):
                    raise SystemExit(f"{src}:{number}: an image entry has no path: {item!r}")
                full = path if os.path.isabs(path) else os.path.join(base, path)
                if full not in cache:
                    try:
                        with open(full, "rb") as img:
                            cache[full] = img.read()
                    except OSError as e:
                        raise SystemExit(f"{src}:{number}: cannot read image {full}: {e.strerror}")
                embedded.append({"bytes": cache[full], "path": path})
            row["images"] = embedded
            rows.append(row)
    table = pa.Table.from_pylist(rows)
    tmp = dst + ".tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, dst)
    return len(rows)


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: to_parquet.py IN.jsonl OUT.parquet")
    n = convert(sys.argv[1], sys.argv[2])
    print(f"to_parquet: {n} rows -> {sys.argv[2]}")


if __name__ == "__main__":
    main()
