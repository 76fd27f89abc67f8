#!/usr/bin/env python3
"""Writes the small image fixtures of Tests/ThinkEditImagingTests/Fixtures.

Every fixture draws the same 32x24 pattern, so the Swift tests can compute the expected pixels:
    r = 8*x, g = 10*y, b = 4*(x+y)          (x in 0..31, y in 0..23)
PNGs are written by hand (zlib + chunks) to control the exact colour type, bit depth and
interlacing; JPEGs need an encoder, so they come from Pillow (pip install pillow).
Run from the repository root:  python3 scripts/make_imaging_fixtures.py
"""
import os
import struct
import zlib

W, H = 32, 24
OUT = os.path.join("Tests", "ThinkEditImagingTests", "Fixtures")


def rgb(x, y):
    return (8 * x, 10 * y, 4 * (x + y))


def alpha(x, y):
    return (x * 8 + y) % 256


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(samples, bit_depth):
    """Packs one row of samples (ints) at the given bit depth, MSB first."""
    if bit_depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if bit_depth == 8:
        return bytes(samples)
    out, acc, nbits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << bit_depth) | s
        nbits += bit_depth
        if nbits == 8:
            out.append(acc)
            acc, nbits = 0, 0
    if nbits:
        out.append(acc << (8 - nbits))
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(name, color_type, bit_depth, pixel, plte=None, trns=None, interlaced=False):
    """pixel(x, y) -> tuple of samples for one pixel."""
    raw = bytearray()
    if interlaced:
        for x0, y0, dx, dy in ADAM7:
            xs = list(range(x0, W, dx))
            for y in range(y0, H, dy):
                if not xs:
                    continue
                raw.append(0)
                raw += pack_row([s for x in xs for s in pixel(x, y)], bit_depth)
    else:
        for y in range(H):
            raw.append(0)
            raw += pack_row([s for x in range(W) for s in pixel(x, y)], bit_depth)
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, bit_depth, color_type, 0, 0, 1 if interlaced else 0))
    if plte is not None:
        png += chunk(b"PLTE", bytes(c for entry in plte for c in entry))
    if trns is not None:
        png += chunk(b"tRNS", trns)
    png += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    png += chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(png)


def main():
    os.makedirs(OUT, exist_ok=True)
    # 16-bit RGB: v*257 + 100 rounds to v exactly.
    write_png("rgb16.png", 2, 16, lambda x, y: tuple(v * 257 + 100 for v in rgb(x, y)))
    write_png("rgba8.png", 6, 8, lambda x, y: rgb(x, y) + (alpha(x, y),))
    write_png("rgba16.png", 6, 16, lambda x, y: tuple(v * 257 for v in rgb(x, y) + (alpha(x, y),)))
    write_png("gray8.png", 0, 8, lambda x, y: (8 * x,))
    write_png("gray2.png", 0, 2, lambda x, y: ((x + y) % 4,))  # 0, 85, 170, 255 after expansion
    write_png("graya8.png", 4, 8, lambda x, y: (8 * x, alpha(x, y)))
    # Palette: 16 entries, index (x + y) % 16, colour (16*i, 255 - 16*i, 7*i).
    plte = [(16 * i, 255 - 16 * i, 7 * i) for i in range(16)]
    write_png("palette4.png", 3, 4, lambda x, y: ((x + y) % 16,), plte=plte)
    # Same palette with alpha per entry (tRNS): entry i has alpha 17*i.
    write_png("palette8_trns.png", 3, 8, lambda x, y: ((x + y) % 16,), plte=plte, trns=bytes(17 * i for i in range(16)))
    write_png("rgb8_interlaced.png", 2, 8, rgb, interlaced=True)
    write_png("rgba8_interlaced.png", 6, 8, lambda x, y: rgb(x, y) + (alpha(x, y),), interlaced=True)

    from PIL import Image
    img = Image.new("RGB", (W, H))
    img.putdata([rgb(x, y) for y in range(H) for x in range(W)])
    img.save(os.path.join(OUT, "progressive.jpg"), quality=95, progressive=True, subsampling=0)
    gray = Image.new("L", (W, H))
    gray.putdata([8 * x for y in range(H) for x in range(W)])
    gray.save(os.path.join(OUT, "gray.jpg"), quality=95)
    img.convert("CMYK").save(os.path.join(OUT, "cmyk.jpg"), quality=95, subsampling=0)


if __name__ == "__main__":
    main()
