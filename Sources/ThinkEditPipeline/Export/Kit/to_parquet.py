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


def read_rows(src: str):
    """The JSONL rows with their image paths, checked; no image bytes yet."""
    rows = []
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
            paths = []
            for item in images:
                path = item.get("image") if isinstance(item, dict) else item
                if not isinstance(path, str):
                    raise SystemExit(f"{src}:{number}: an image entry has no path: {item!r}")
                paths.append(path)
            row["images"] = paths
            rows.append((number, row))
    return rows


def convert(src: str, dst: str, batch_rows: int = 256) -> int:
    """Writes row groups of `batch_rows` rows, so that no column chunk nears pyarrow's 2 GiB array
    limit and memory holds one batch of image bytes, not the whole set."""
    base = os.path.dirname(os.path.abspath(src))
    rows = read_rows(src)
    # One schema for every batch, inferred from all rows (image bytes stubbed): a column that is
    # null in one batch and a number in another keeps the number type.
    stub = [dict(row, images=[{"bytes": b"", "path": p} for p in row["images"]]) for _, row in rows]
    schema = pa.Table.from_pylist(stub).schema if stub else pa.schema([])
    tmp = dst + ".tmp"
    with pq.ParquetWriter(tmp, schema) as writer:
        for start in range(0, len(rows), batch_rows):
            batch = []
            for number, row in rows[start:start + batch_rows]:
                embedded = []
                for path in row["images"]:
                    full = path if os.path.isabs(path) else os.path.join(base, path)
                    try:
                        with open(full, "rb") as img:
                            embedded.append({"bytes": img.read(), "path": path})
                    except OSError as e:
                        raise SystemExit(f"{src}:{number}: cannot read image {full}: {e.strerror}")
                batch.append(dict(row, images=embedded))
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    os.replace(tmp, dst)
    return len(rows)


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: to_parquet.py IN.jsonl OUT.parquet")
    n = convert(sys.argv[1], sys.argv[2])
    print(f"to_parquet: {n} rows -> {sys.argv[2]}")


if __name__ == "__main__":
    main()
