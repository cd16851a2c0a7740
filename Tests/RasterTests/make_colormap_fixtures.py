"""Writes Tests/Fixtures/render/colormaps.json: matplotlib's 8-bit lookup tables for the colour
maps that Raster/Render implements, and colours of sample values as `cmap(values, bytes=True)`
gives them. Also prints the inferno table in the hex form that Colormap+Tables.swift embeds.

    python3 -m venv /tmp/mpl && /tmp/mpl/bin/pip install matplotlib
    /tmp/mpl/bin/python Tests/RasterTests/make_colormap_fixtures.py
"""
import json
import os

import matplotlib
import numpy as np

names = ["jet", "inferno", "bone", "gray"]
values = [-0.5, 0.0, 0.001, 0.1, 0.2, 0.25, 0.3, 0.35, 0.5, 0.66, 0.75, 0.9, 0.999, 1.0, 1.5]
out = {"matplotlib": matplotlib.__version__, "values": values, "maps": {}}
for name in names:
    cmap = matplotlib.colormaps[name].resampled(256)
    lut = cmap(np.linspace(0, 1, 256), bytes=True)[:, :3]
    samples = cmap(np.array(values), bytes=True)[:, :3]
    out["maps"][name] = {"lut": lut.astype(int).tolist(), "samples": samples.astype(int).tolist()}

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "Fixtures", "render", "colormaps.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print("wrote", os.path.normpath(path))

inferno = out["maps"]["inferno"]["lut"]
hexes = "".join("%02x%02x%02x" % tuple(c) for c in inferno)
for i in range(0, len(hexes), 96):
    print('        "' + hexes[i:i + 96] + '",')
