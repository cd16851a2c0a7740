#!/usr/bin/env python3
"""Writes the NIfTI reference values the MedIO tests compare against, computed with nibabel + numpy.

Run once when the sample files change, in a private venv (not needed at test time):

    python3 -m venv .venv-nifti && .venv-nifti/bin/pip install nibabel==5.4.2 numpy
    .venv-nifti/bin/python Tests/MedIOTests/make_nifti_reference.py

Inputs: sample-data/nifti/*.nii[.gz] (real files; origin in sample-data/nifti/README.md).
Outputs in Tests/Fixtures/nifti/:
  - derived test files made from the real ones (datatypes, scaling, no transform, oblique, corrupt, huge dims);
  - nifti-reference.json: per file, what nibabel reads (shape, dtype, version, codes, affine, first-volume
    min/max/sum, a few voxels, percentiles over nonzero voxels) and, for a few slices, the expected
    display-oriented 8-bit slice computed here with numpy.
"""
import gzip
import hashlib
import json
import os
import struct
import zlib

import nibabel as nib
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLES = os.path.join(ROOT, "sample-data", "nifti")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "nifti")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def sizeof_hdr(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read(4)
    le, be = struct.unpack("<i", raw)[0], struct.unpack(">i", raw)[0]
    return le if le in (348, 540) else be


def first_volume(img):
    data = np.asanyarray(img.dataobj).astype(np.float64)  # applies scl_slope/scl_inter like nibabel does
    while data.ndim > 3:
        data = data[..., 0]
    while data.ndim < 3:
        data = data[..., np.newaxis]
    return data


def probe_voxels(shape, count=8, seed=7):
    rng = np.random.default_rng(seed)
    corners = [(0, 0, 0), tuple(s - 1 for s in shape)]
    rest = [tuple(int(rng.integers(0, s)) for s in shape) for _ in range(count)]
    return corners + rest


def describe(path, modality_hint=""):
    img = nib.load(path)
    hdr = img.header
    data = first_volume(img)
    nonzero = data[(data != 0) & np.isfinite(data)]
    voxels = [{"index": list(i), "value": float(data[i])} for i in probe_voxels(data.shape)]
    sform_code, qform_code = int(hdr["sform_code"]), int(hdr["qform_code"])
    if sform_code > 0:
        affine = hdr.get_sform()
    elif qform_code > 0:
        affine = hdr.get_qform()
    else:
        # The NIfTI standard's method 1 (nifti_clib follows it); nibabel's own fallback differs.
        affine = np.diag(list(hdr.get_zooms()[:3]) + [1.0])
    return {
        "file": os.path.relpath(path, ROOT),
        "sha256": sha256(path),
        "version": 1 if sizeof_hdr(path) == 348 else 2,
        "shape": [int(s) for s in img.shape],
        "dtype": str(img.get_data_dtype().newbyteorder("=")),
        "qform_code": qform_code,
        "sform_code": sform_code,
        "affine": [float(x) for x in np.asarray(affine).ravel()],
        "axcodes": list(nib.aff2axcodes(affine)),
        "min": float(data.min()),
        "max": float(data.max()),
        "sum": float(data.sum()),
        "nonzero_count": int(nonzero.size),
        "percentile_0_5": float(np.percentile(nonzero, 0.5)),
        "percentile_99_5": float(np.percentile(nonzero, 99.5)),
        "voxels": voxels,
    }


def display_slice(data, affine, plane, index, lo, hi):
    """The 8-bit display slice in radiological convention, computed independently of the Swift code.

    Targets in RAS: axial columns toward patient left (-R), rows toward posterior (-A);
    coronal columns toward left, rows toward inferior (-S); sagittal columns toward posterior, rows inferior.
    """
    normal, col_dir, row_dir = {
        "axial": ([0, 0, 1], [-1, 0, 0], [0, -1, 0]),
        "coronal": ([0, 1, 0], [-1, 0, 0], [0, 0, -1]),
        "sagittal": ([1, 0, 0], [0, -1, 0], [0, 0, -1]),
    }[plane]
    cols = affine[:3, :3] / np.linalg.norm(affine[:3, :3], axis=0)
    slice_axis = int(np.argmax(np.abs(normal @ cols)))
    a, b = [ax for ax in range(3) if ax != slice_axis]
    score_ab = abs(col_dir @ cols[:, a]) + abs(row_dir @ cols[:, b])
    score_ba = abs(col_dir @ cols[:, b]) + abs(row_dir @ cols[:, a])
    col_axis, row_axis = (a, b) if score_ab >= score_ba else (b, a)
    sl = np.take(data, index, axis=slice_axis)  # remaining axes keep their order
    rest = [ax for ax in range(3) if ax != slice_axis]
    img = sl if rest.index(row_axis) == 0 else sl.T  # now img[row_axis index, col_axis index]
    if col_dir @ cols[:, col_axis] < 0:
        img = img[:, ::-1]
    if row_dir @ cols[:, row_axis] < 0:
        img = img[::-1, :]
    t = np.clip((img - lo) / (hi - lo), 0.0, 1.0)
    grey = np.floor(t * 255.0 + 0.5).astype(np.uint8)
    return {
        "plane": plane,
        "index": int(index),
        "slice_axis": slice_axis,
        "column_axis": col_axis,
        "row_axis": row_axis,
        "width": int(grey.shape[1]),
        "height": int(grey.shape[0]),
        "lower": float(lo),
        "upper": float(hi),
        "grey": [int(v) for v in grey.ravel()],
    }


def save(img, name):
    path = os.path.join(OUT, name)
    nib.save(img, path)
    return path


def main():
    os.makedirs(OUT, exist_ok=True)
    reference = {"generator": "Tests/MedIOTests/make_nifti_reference.py",
                 "nibabel": nib.__version__, "numpy": np.__version__, "files": {}, "slices": {}}

    for name in sorted(os.listdir(SAMPLES)):
        if name.endswith((".nii", ".nii.gz")):
            reference["files"][name] = describe(os.path.join(SAMPLES, name))

    anat = nib.load(os.path.join(SAMPLES, "anatomical.nii"))
    anat_data = np.asanyarray(anat.dataobj)
    derived = {}

    # Every integer and real datatype the reader converts, from the same real voxels.
    small = anat_data[8:16, 10:20, 10:14].astype(np.int64)
    # Byte types get the same voxels scaled into their range, so they are not a constant.
    as_byte = (small - small.min()) * 255 // (small.max() - small.min())
    for dtype in ["uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"]:
        values = {"uint8": as_byte, "int8": as_byte - 128}.get(dtype, small)
        img = nib.Nifti1Image(values.astype(dtype), anat.affine, dtype=np.dtype(dtype))
        img.header.set_qform(anat.affine, 1)
        derived[f"dtype_{dtype}.nii.gz"] = save(img, f"dtype_{dtype}.nii.gz")

    # scl_slope / scl_inter on int16 data: nibabel stores raw ints and scales on read.
    scaled = nib.Nifti1Image(anat_data.astype(np.int16), anat.affine, dtype=np.int16)
    scaled.header.set_slope_inter(2.5, -10.0)
    derived["scaled_int16.nii.gz"] = save(scaled, "scaled_int16.nii.gz")

    # Neither qform nor sform: only pixdim says anything about geometry.
    bare = nib.Nifti1Image(anat_data.astype(np.int16), None)
    bare.header.set_zooms((2.0, 2.5, 3.0))
    bare.header.set_qform(None, 0)
    bare.header.set_sform(None, 0)
    derived["no_xform.nii"] = save(bare, "no_xform.nii")

    # An oblique acquisition: the real anatomical affine rotated 25° about R then 15° about A (RAS).
    def rot(axis, deg):
        c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
        m = np.eye(4)
        i, j = [(1, 2), (2, 0), (0, 1)][axis]
        m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
        return m
    oblique_affine = rot(1, 15) @ rot(0, 25) @ anat.affine
    oblique = nib.Nifti1Image(anat_data.astype(np.int16), oblique_affine, dtype=np.int16)
    oblique.header.set_qform(oblique_affine, 1)
    oblique.header.set_sform(oblique_affine, 1)
    derived["oblique_anatomical.nii.gz"] = save(oblique, "oblique_anatomical.nii.gz")

    for name, path in derived.items():
        reference["files"][name] = describe(path)

    # Corrupt gzip streams made from the compressed anatomical volume, each kept only when zlib itself
    # rejects it the intended way: one whose deflate data no longer inflates, and one that inflates to the
    # right length but fails the gzip CRC-32 check (the harder case: the voxels alone look plausible).
    raw = gzip.compress(open(os.path.join(SAMPLES, "anatomical.nii"), "rb").read(), mtime=0)
    found = {}
    for start in range(len(raw) // 2, len(raw) - 200, 97):
        broken = bytearray(raw)
        for k in range(start, start + 8):
            broken[k] ^= 0x5A
        try:
            out = zlib.decompress(bytes(broken), 31)
            continue
        except zlib.error as e:
            message = str(e)
        kind = "inflate" if "invalid" in message else "crc" if "incorrect data check" in message else None
        if kind == "crc":
            # CRC-only: the stream must still inflate to the full length.
            # (inflating all but the 8-byte trailer stops before the check that raises)
            if len(zlib.decompressobj(31).decompress(bytes(broken[:-8]))) != len(gzip.decompress(raw)):
                continue
        if kind and kind not in found:
            found[kind] = (bytes(broken), message)
        if len(found) == 2:
            break
    if len(found) != 2:
        raise SystemExit("could not make both kinds of corrupt stream")
    for kind, (data, message) in found.items():
        with open(os.path.join(OUT, f"corrupt_{kind}_anatomical.nii.gz"), "wb") as f:
            f.write(data)
        reference[f"corrupt_{kind}_reason"] = message

    # A header that declares an absurd grid (32767^3 int16 voxels) over a few bytes of data.
    tiny = nib.Nifti1Image(np.zeros((2, 2, 2), np.int16), np.eye(4), dtype=np.int16)
    hdr = bytearray(tiny.header.binaryblock)
    struct.pack_into("<8h", hdr, 40, 3, 32767, 32767, 32767, 1, 1, 1, 1)
    with open(os.path.join(OUT, "huge_dims.nii"), "wb") as f:
        f.write(bytes(hdr) + b"\x00" * 4 + b"\x00" * 16)

    # Expected display slices (MR: 0.5–99.5 percentiles of nonzero voxels of the whole first volume).
    for name, plane, index in [("anatomical.nii", "axial", 12), ("anatomical.nii", "coronal", 20),
                               ("anatomical.nii", "sagittal", 16),
                               ("KmeansTest_T1UCharRaw.nii.gz", "axial", 64),
                               ("oblique_anatomical.nii.gz", "axial", 12),
                               ("oblique_anatomical.nii.gz", "sagittal", 10)]:
        path = os.path.join(SAMPLES, name) if os.path.exists(os.path.join(SAMPLES, name)) else os.path.join(OUT, name)
        info = reference["files"][name]
        data = first_volume(nib.load(path))
        affine = np.asarray(info["affine"]).reshape(4, 4)
        reference["slices"][f"{name}:{plane}:{index}"] = dict(
            file=name, **display_slice(data, affine, plane, index, info["percentile_0_5"], info["percentile_99_5"]))

    with open(os.path.join(OUT, "nifti-reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(OUT, ROOT))


if __name__ == "__main__":
    main()
