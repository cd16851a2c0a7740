#!/usr/bin/env python3
"""Writes the Raster reference fixtures into Tests/Fixtures/raster/ with real Pillow.

Run from the project root with a Python that has Pillow and numpy:

    python3 -m venv /tmp/pilvenv && /tmp/pilvenv/bin/pip install pillow numpy
    /tmp/pilvenv/bin/python Tests/RasterTests/make_resize_fixtures.py

Outputs (all listed in manifest.json with the Pillow version that made them):
- resize cases: an input PNG, the target size and filter, and Pillow's `Image.resize` output
  as PNG (8-bit modes) or raw little-endian float32 (mode "F");
- conversion cases: Pillow's `convert("L")` of RGB and RGBA inputs;
- PNG decoding cases: hand-built PNGs of every colour type and bit depth (written with zlib
  here, since Pillow cannot write 16-bit colour or 2/4-bit grey) and what
  `Image.open(path).convert(mode)` gives for them.
"""
import json
import os
import struct
import sys
import zlib

import numpy as np
import PIL
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "raster")
CLIP_IMAGE = os.path.join(ROOT, "Tests", "Fixtures", "tiny-clip", "image.png")
FILTERS = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}

rng = np.random.RandomState(20240917)
os.makedirs(OUT, exist_ok=True)
manifest = {"pillow": PIL.__version__, "resize": [], "resize_float": [], "convert": [], "decode": []}


def save(im, name):
    im.save(os.path.join(OUT, name))
    return name


def synthetic_rgb(w, h):
    """A gradient with noise and a sharp bright square (to exercise clamping and ringing)."""
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1), (xx * 37 + yy * 91) % 256], -1)
    noise = rng.randint(-40, 41, size=(h, w, 3))
    img = np.clip(base + noise, 0, 255).astype(np.uint8)
    img[h // 3:h // 2, w // 3:w // 2] = 255
    img[h // 2:h // 2 + 2, :3] = 0
    return img


# ---- inputs ------------------------------------------------------------------------------
rgb23 = synthetic_rgb(23, 17)
inputs = {
    "rgb23x17.png": Image.fromarray(rgb23, "RGB"),
    "gray23x17.png": Image.fromarray(rgb23, "RGB").convert("L"),
}
alpha = rng.randint(0, 256, size=(17, 23)).astype(np.uint8)
alpha[:4, :4] = 0
alpha[-4:, -4:] = 255
inputs["rgba23x17.png"] = Image.fromarray(np.dstack([rgb23, alpha]), "RGBA")
# Smooth gray 240×240 (the brain slices' size) and 128×96, compressible so the fixtures stay small.
yy, xx = np.mgrid[0:240, 0:240]
gray240 = (127 + 100 * np.sin(xx / 9.0) * np.cos(yy / 13.0)).astype(np.uint8)
gray240[100:140, 60:90] = 255
inputs["gray240.png"] = Image.fromarray(gray240, "L")
yy, xx = np.mgrid[0:96, 0:128]
rgb128 = np.stack([(xx * 2) % 256, (yy * 3) % 256, ((xx + yy) * 5) % 256], -1).astype(np.uint8)
rgb128[40:50, 60:75] = [250, 10, 10]
inputs["rgb128x96.png"] = Image.fromarray(rgb128, "RGB")
inputs["rgb96x128.png"] = Image.fromarray(np.ascontiguousarray(rgb128.transpose(1, 0, 2)), "RGB")
for name, im in inputs.items():
    save(im, name)
clip = Image.open(CLIP_IMAGE)
clip.load()

# ---- resize cases ------------------------------------------------------------------------
def resize_case(input_name, im, size, filt, box=None):
    out = im.resize(size, FILTERS[filt], box=box)
    stem = os.path.splitext(input_name)[0].replace("/", "_").replace(".", "_")
    tag = "" if box is None else "_box" + "_".join(str(v).replace(".", "p") for v in box)
    name = save(out, f"out_{stem}_{filt}_{size[0]}x{size[1]}{tag}.png")
    case = {"input": input_name, "width": size[0], "height": size[1], "filter": filt, "mode": im.mode, "expected": name}
    if box is not None:
        case["box"] = list(box)
    manifest["resize"].append(case)


# (40, 5) and (30, 10): the height shrinks much more than the width, so Pillow runs the vertical
# pass first.
small_sizes = [(7, 5), (64, 48), (23, 40), (50, 17), (10, 31), (11, 9), (46, 34), (1, 1), (3, 60), (40, 5), (30, 10)]
for name in ["rgb23x17.png", "gray23x17.png", "rgba23x17.png"]:
    for size in small_sizes:
        for filt in FILTERS:
            resize_case(name, inputs[name], size, filt)
for filt in FILTERS:
    resize_case("gray240.png", inputs["gray240.png"], (56, 56), filt)     # 240 → 56, the model-size shrink
    resize_case("rgb128x96.png", inputs["rgb128x96.png"], (84, 84), filt)  # 512 → 336 ratio, scaled down
    resize_case("rgb96x128.png", inputs["rgb96x128.png"], (84, 84), filt)  # portrait: vertical pass first
resize_case("gray240.png", inputs["gray240.png"], (336, 336), "bicubic")  # 240 → 336, the brain slices
resize_case("gray240.png", inputs["gray240.png"], (336, 336), "bilinear")  # masks at 240 → 336
# The CLIP fixture image (outside this folder) to 336×336.
resize_case("../tiny-clip/image.png", clip, (336, 336), "bicubic")

# Source boxes (Pillow's `box`): sub-regions, fractional edges, one axis only, and a box that
# keeps the width so only the vertical pass runs.
BOXES = [((2, 3, 20, 15), (9, 6)), ((0.5, 1.25, 22.5, 16.75), (30, 20)), ((5, 0, 18, 17), (13, 17)),
         ((0, 2, 23, 12), (23, 10)), ((3.3, 2.7, 11.9, 9.1), (40, 3))]
for name in ["rgb23x17.png", "gray23x17.png", "rgba23x17.png"]:
    for box, size in BOXES:
        for filt in FILTERS:
            resize_case(name, inputs[name], size, filt, box)

# ---- float ("F") resize ------------------------------------------------------------------
fmap = (rng.randn(17, 23) * 3.0).astype(np.float32)
fmap[5:9, 5:9] = 40.0
fmap.tofile(os.path.join(OUT, "map23x17.f32"))
fim = Image.fromarray(fmap, "F")
for size, box in [((7, 5), None), ((64, 48), None), ((23, 40), None), ((50, 17), None), ((56, 56), None)] + \
        [(size, box) for box, size in BOXES]:
    for filt in FILTERS:
        out = np.asarray(fim.resize(size, FILTERS[filt], box=box), dtype=np.float32)
        tag = "" if box is None else "_box" + "_".join(str(v).replace(".", "p") for v in box)
        name = f"out_map23x17_{filt}_{size[0]}x{size[1]}{tag}.f32"
        out.tofile(os.path.join(OUT, name))
        case = {"input": "map23x17.f32", "input_width": 23, "input_height": 17,
                "width": size[0], "height": size[1], "filter": filt, "expected": name}
        if box is not None:
            case["box"] = list(box)
        manifest["resize_float"].append(case)

# ---- conversions -------------------------------------------------------------------------
for name in ["rgb23x17.png", "rgba23x17.png", "rgb128x96.png"]:
    out = save(inputs[name].convert("L"), "L_" + name)
    manifest["convert"].append({"input": name, "mode": "L", "expected": out})
# Every 8-bit colour once, through L.
allrgb = np.stack(np.meshgrid(np.arange(0, 256, 5), np.arange(0, 256, 3), np.arange(256)), -1).reshape(-1, 256, 3)
allrgb = allrgb[:256].astype(np.uint8)
save(Image.fromarray(allrgb, "RGB"), "colours.png")
out = save(Image.fromarray(allrgb, "RGB").convert("L"), "L_colours.png")
manifest["convert"].append({"input": "colours.png", "mode": "L", "expected": out})


# ---- PNG decoding ------------------------------------------------------------------------
def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png(name, width, height, bit_depth, color_type, rows, plte=None, trns=None, interlaced=False):
    """rows: list of bytes objects, each one filtered-type-0 scanline without the filter byte.
    With `interlaced`, `rows` is instead a list of passes, each a list of such scanlines."""
    if interlaced:
        raw = b"".join(b"\x00" + r for p in rows for r in p)
    else:
        raw = b"".join(b"\x00" + r for r in rows)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0,
                                                                   1 if interlaced else 0))
    if plte is not None:
        data += chunk(b"PLTE", plte)
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    return name


def pack_bits(values, depth):
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | int(v)
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


W, H = 13, 7
decode_cases = []
for depth in (1, 2, 4, 8):
    vals = rng.randint(0, 1 << depth, size=(H, W))
    decode_cases.append(write_png(f"png_gray{depth}.png", W, H, depth, 0, [pack_bits(r, depth) for r in vals]))
g16 = rng.randint(0, 65536, size=(H, W)).astype(">u2")
g16[0, :6] = [0, 1, 254, 255, 256, 300]
decode_cases.append(write_png("png_gray16.png", W, H, 16, 0, [r.tobytes() for r in g16]))
g8 = rng.randint(0, 256, size=(H, W)).astype(np.uint8)
g8[0, :3] = 77
decode_cases.append(write_png("png_gray8_trns.png", W, H, 8, 0, [r.tobytes() for r in g8], trns=struct.pack(">H", 77)))
rgb8 = rng.randint(0, 256, size=(H, W, 3)).astype(np.uint8)
rgb8[1, :2] = [10, 20, 30]
decode_cases.append(write_png("png_rgb8.png", W, H, 8, 2, [r.tobytes() for r in rgb8]))
decode_cases.append(write_png("png_rgb8_trns.png", W, H, 8, 2, [r.tobytes() for r in rgb8], trns=struct.pack(">HHH", 10, 20, 30)))
rgb16 = rng.randint(0, 65536, size=(H, W, 3)).astype(">u2")
decode_cases.append(write_png("png_rgb16.png", W, H, 16, 2, [r.tobytes() for r in rgb16]))
ga8 = rng.randint(0, 256, size=(H, W, 2)).astype(np.uint8)
decode_cases.append(write_png("png_ga8.png", W, H, 8, 4, [r.tobytes() for r in ga8]))
ga16 = rng.randint(0, 65536, size=(H, W, 2)).astype(">u2")
decode_cases.append(write_png("png_ga16.png", W, H, 16, 4, [r.tobytes() for r in ga16]))
rgba8 = rng.randint(0, 256, size=(H, W, 4)).astype(np.uint8)
decode_cases.append(write_png("png_rgba8.png", W, H, 8, 6, [r.tobytes() for r in rgba8]))
rgba16 = rng.randint(0, 65536, size=(H, W, 4)).astype(">u2")
decode_cases.append(write_png("png_rgba16.png", W, H, 16, 6, [r.tobytes() for r in rgba16]))
palette = rng.randint(0, 256, size=(16, 3)).astype(np.uint8).tobytes()
for depth in (4, 8):
    idx = rng.randint(0, 16, size=(H, W))
    decode_cases.append(write_png(f"png_palette{depth}.png", W, H, depth, 3, [pack_bits(r, depth) for r in idx], plte=palette))
    decode_cases.append(write_png(f"png_palette{depth}_trns.png", W, H, depth, 3, [pack_bits(r, depth) for r in idx],
                                  plte=palette, trns=bytes([0, 128, 255, 7])))
# Adam7 interlacing: seven passes over (x0, y0, dx, dy) subsampled grids.
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def adam7(values, depth):
    """values: [H, W] or [H, W, C] samples; returns the passes' packed scanlines."""
    passes = []
    for x0, y0, dx, dy in ADAM7:
        sub = values[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            passes.append([])
            continue
        if depth < 8:
            passes.append([pack_bits(r, depth) for r in sub])
        else:
            passes.append([r.tobytes() for r in sub])
    return passes


rgba_i = rng.randint(0, 256, size=(H, W, 4)).astype(np.uint8)
decode_cases.append(write_png("png_rgba8_interlaced.png", W, H, 8, 6, adam7(rgba_i, 8), interlaced=True))
gray2_i = rng.randint(0, 4, size=(H, W))
decode_cases.append(write_png("png_gray2_interlaced.png", W, H, 2, 0, adam7(gray2_i, 2), interlaced=True))
rgb16_i = rng.randint(0, 65536, size=(H, W, 3)).astype(">u2")
decode_cases.append(write_png("png_rgb16_interlaced.png", W, H, 16, 2, adam7(rgb16_i, 16), interlaced=True))
for name in decode_cases:
    im = Image.open(os.path.join(OUT, name))
    has_alpha = im.mode in ("LA", "RGBA", "PA") or "transparency" in im.info
    gray = im.mode in ("1", "L", "I", "I;16", "I;16B")
    mode = "RGBA" if has_alpha else ("L" if gray else "RGB")
    expected = save(im.convert(mode), "expected_" + name)
    manifest["decode"].append({"input": name, "pillow_mode": im.mode, "mode": mode, "expected": expected})

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, Pillow {PIL.__version__}", file=sys.stderr)
