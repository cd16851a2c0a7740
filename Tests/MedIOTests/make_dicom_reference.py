#!/usr/bin/env python3
"""Writes Tests/Fixtures/dicom/dicom-reference.json: decoded pixel statistics of sample-data/dicom.

Run once when the sample set changes (not at test time):
    python3 -m venv .venv-dicom
    .venv-dicom/bin/pip install pydicom==3.0.2 pydicom-data==1.0.0 numpy \
        pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg pyjpegls
    .venv-dicom/bin/python Tests/MedIOTests/make_dicom_reference.py

Values are computed independently of the Swift/DCMTK reader: pydicom (with the pylibjpeg and
pyjpegls plugins) decodes the stored values, and the physical values are derived here in numpy:
per frame, the rescale from the Per-frame Functional Groups, else the Shared ones, else the top
level; MONOCHROME1 is inverted within the stored range before rescaling
(s' = smin + smax - s), which is the convention the reader documents.
"""
import hashlib
import json
import os
import sys

import numpy as np
import pydicom

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(ROOT, "sample-data", "dicom")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "dicom", "dicom-reference.json")

# Files whose pixels are decoded and compared (the others are error or skip cases).
DECODED = [
    "CT_small.dcm", "MR_small.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_jp2klossless.dcm", "MR_small_bigendian.dcm", "JPGExtended.dcm", "JPEG-LL.dcm",
    "JPEG2000.dcm", "J2K_pixelrep_mismatch.dcm", "emri_small.dcm", "emri_small_jpeg_2k_lossless.dcm",
    "eCT_Supplemental.dcm", "RG3_J2KI.dcm", "examples_overlay.dcm",
]


def first(ds, seq):
    if seq in ds and len(ds[seq].value) > 0:
        return ds[seq].value[0]
    return None


def frame_macro(ds, frame, macro, attributes):
    """The item holding `attributes` for one frame: the functional group `macro` of the
    Per-frame Functional Groups, else of the Shared ones, else the dataset's top level."""
    for groups in ("PerFrameFunctionalGroupsSequence", "SharedFunctionalGroupsSequence"):
        if groups not in ds:
            continue
        items = ds[groups].value
        item = first(items[frame] if groups.startswith("PerFrame") else items[0], macro)
        if item is not None and all(a in item for a in attributes):
            return item
    return ds if all(a in ds for a in attributes) else None


def frame_rescale(ds, frame):
    """(slope, intercept) of one frame, or None."""
    item = frame_macro(ds, frame, "PixelValueTransformationSequence", ("RescaleSlope", "RescaleIntercept"))
    return None if item is None else (float(item.RescaleSlope), float(item.RescaleIntercept))


def frame_position(ds, frame):
    item = frame_macro(ds, frame, "PlanePositionSequence", ("ImagePositionPatient",))
    return None if item is None else [float(v) for v in item.ImagePositionPatient]


def physical(ds):
    """Float64 array [frames, rows, cols] in physical units, plus what was done."""
    stored = ds.pixel_array.astype(np.float64)
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    stored = stored.reshape(frames, int(ds.Rows), int(ds.Columns))
    bits = int(ds.BitsStored)
    if int(ds.PixelRepresentation) == 1:
        smin, smax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    else:
        smin, smax = 0, 2 ** bits - 1
    inverted = ds.PhotometricInterpretation == "MONOCHROME1"
    if inverted:
        stored = smin + smax - stored
    out = np.empty_like(stored)
    rescaled = False
    for f in range(frames):
        r = frame_rescale(ds, f)
        if r is None:
            out[f] = stored[f]
        else:
            rescaled = True
            out[f] = stored[f] * r[0] + r[1]
    return out, inverted, rescaled


def floats(ds, keyword):
    return [float(v) for v in ds[keyword].value] if keyword in ds and ds[keyword].value not in (None, "") else None


def first_float(ds, keyword):
    v = floats(ds, keyword) if keyword in ds and ds[keyword].VM > 1 else None
    if v:
        return v[0]
    return float(ds[keyword].value) if keyword in ds and ds[keyword].value not in (None, "") else None


def sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def main():
    rng = np.random.default_rng(20261129)
    entries = {}
    for name in DECODED:
        path = os.path.join(SAMPLES, name)
        ds = pydicom.dcmread(path)
        values, inverted, rescaled = physical(ds)
        frames, rows, cols = values.shape
        # A handful of fixed probe points per file, drawn once and stored with their values.
        probes = []
        for _ in range(8):
            f, y, x = int(rng.integers(frames)), int(rng.integers(rows)), int(rng.integers(cols))
            probes.append({"frame": f, "y": y, "x": x, "value": float(values[f, y, x])})
        entries[name] = {
            "sha256": sha256(path),
            "transferSyntax": str(ds.file_meta.TransferSyntaxUID),
            "sopClass": str(ds.SOPClassUID),
            "modality": str(ds.get("Modality", "")),
            "frames": frames, "rows": rows, "columns": cols,
            "photometric": str(ds.PhotometricInterpretation),
            "inverted": inverted, "rescaled": rescaled,
            "min": float(values.min()), "max": float(values.max()),
            "sum": float(values.sum()),
            "frameSums": [float(values[f].sum()) for f in range(frames)],
            "positions": [frame_position(ds, f) for f in range(frames)],
            # Top-level header attributes (absent ones as null), for the header reader.
            "header": {
                "studyInstanceUID": str(ds.get("StudyInstanceUID", "")),
                "seriesInstanceUID": str(ds.get("SeriesInstanceUID", "")),
                "sopInstanceUID": str(ds.get("SOPInstanceUID", "")),
                "imageType": [str(v) for v in ds.get("ImageType", [])],
                "bitsStored": int(ds.BitsStored),
                "pixelRepresentation": int(ds.PixelRepresentation),
                "pixelSpacing": floats(ds, "PixelSpacing"),
                "imagePosition": floats(ds, "ImagePositionPatient"),
                "imageOrientation": floats(ds, "ImageOrientationPatient"),
                "rescale": [float(ds.RescaleSlope), float(ds.RescaleIntercept)]
                if "RescaleSlope" in ds and "RescaleIntercept" in ds else None,
                "windowCenter": first_float(ds, "WindowCenter"),
                "patientName": str(ds.get("PatientName", "")),
            },
            "probes": probes,
        }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump({"generator": "Tests/MedIOTests/make_dicom_reference.py",
                   "pydicom": pydicom.__version__, "numpy": np.__version__, "files": entries}, fh, indent=1)
    print(f"wrote {OUT} ({len(entries)} files)", file=sys.stderr)


if __name__ == "__main__":
    main()
