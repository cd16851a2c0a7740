#!/usr/bin/env python3
"""Checks the outputs of `medvmad infer` / `medvmad run` with readers that share no code with medvmad.

Usage: check_pipeline_outputs.py MANIFEST.json

MANIFEST: {"outputs": [{"folder": OUT, "axis": "axial"|"coronal"|"sagittal"}...],
           "dicom_sources": [file...], "nifti_inputs": [file...],
           "marker_value": stored value of a synthetic marker in the DICOM sources (optional),
           "expect_series": number of processed series expected over all outputs (optional)}

For every processed series (a results.json with a statement) under each output folder:
- nifti/anomaly-map.nii.gz and anomaly-mask.nii.gz (nibabel): the input's shape and exactly the
  input's affine for NIfTI inputs; for DICOM inputs the affine built here from the source headers
  (slices sorted along the normal, LPS -> RAS); mask == map > pixel threshold.
- seg/seg.dcm (highdicom): every frame references a source instance of the series, with that
  instance's ImagePositionPatient, the series' orientation and pixel spacing; every frame pixel,
  mapped to patient space through the frame's own geometry and back through the NIfTI affine, has
  the NIfTI mask's value there (SEG and NIfTI overlay exactly).
- sc/*.dcm (pydicom): decodes to Rows x Columns x 3 and references a source instance.
- overlay/*.dcm (pydicom): pixel data equal to the referenced source's, the 60xx overlay decodes,
  and its pixels lie inside the NIfTI mask of that slice.
- With marker_value: the marker pixels of the sources (patient coordinates from their headers)
  fall on whole voxels of the NIfTI grid, and the slices analysed along the run's axis (map > 0)
  are exactly the planes through the marker.
Prints "checked N series, 0 problems" and exits 0 when everything holds.
"""
import json
import os
import sys

import highdicom as hd
import nibabel as nib
import numpy as np
import pydicom

problems = []


def problem(text):
    problems.append(text)
    print("PROBLEM:", text)


def floats(values):
    return np.array([float(v) for v in values], dtype=np.float64)


LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def index_sources(paths):
    by_sop = {}
    for path in paths:
        ds = pydicom.dcmread(path)
        by_sop[ds.SOPInstanceUID] = (path, ds)
    return by_sop


def dicom_affine(datasets):
    """Voxel (column, row, slice) -> RAS affine of a classic single-frame series, as NIfTI stores it."""
    iop = floats(datasets[0].ImageOrientationPatient)
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    ordered = sorted(datasets, key=lambda d: float(np.dot(floats(d.ImagePositionPatient), normal)))
    first = floats(ordered[0].ImagePositionPatient)
    spacing = floats(ordered[0].PixelSpacing)  # row spacing, column spacing
    if len(ordered) > 1:
        step = (floats(ordered[-1].ImagePositionPatient) - first) / (len(ordered) - 1)
    else:
        step = normal * float(getattr(ordered[0], "SliceThickness", 1.0) or 1.0)
    lps = np.eye(4)
    lps[:3, 0] = row_dir * spacing[1]
    lps[:3, 1] = col_dir * spacing[0]
    lps[:3, 2] = step
    lps[:3, 3] = first
    return LPS_TO_RAS @ lps, ordered


def patient_points(ds_position, iop, spacing, rows, cols):
    """LPS coordinates of every pixel centre (rows x cols x 3) of a plane."""
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    row_dir, col_dir = iop[:3], iop[3:]
    return (ds_position[None, None, :] + c[..., None] * spacing[1] * row_dir[None, None, :]
            + r[..., None] * spacing[0] * col_dir[None, None, :])


def to_voxels(points_lps, affine_ras):
    """Voxel indices of LPS points through a RAS affine; checks they are whole numbers."""
    flat = points_lps.reshape(-1, 3)
    ras = (LPS_TO_RAS[:3, :3] @ flat.T).T
    inv = np.linalg.inv(affine_ras)
    ijk = (inv[:3, :3] @ ras.T).T + inv[:3, 3]
    rounded = np.rint(ijk)
    return rounded.astype(int), float(np.max(np.abs(ijk - rounded))) if len(ijk) else 0.0


def check_series(folder, results, sources, nifti_inputs, axis, marker_value):
    key = results["key"]
    label = key
    mask = None
    affine = None
    ordered = None
    if key.startswith("dicom/"):
        series_uid = key.split("/")[2]
        members = [ds for (_, ds) in sources.values() if ds.SeriesInstanceUID == series_uid]
        if not members:
            problem(f"{label}: no source files of the series were given")
            return
        expected_affine, ordered = dicom_affine(members)
        expected_shape = (int(members[0].Columns), int(members[0].Rows), len(members))
        exact = False
    else:
        name = key.split("/", 1)[1]
        matches = [p for p in nifti_inputs if p.endswith(name)]
        if not matches:
            problem(f"{label}: input NIfTI not given")
            return
        source = nib.load(matches[0])
        expected_affine, expected_shape, exact = source.affine, source.shape[:3], True

    nifti_dir = os.path.join(folder, "nifti")
    if os.path.isdir(nifti_dir):
        image = nib.load(os.path.join(nifti_dir, "anomaly-map.nii.gz"))
        mask_image = nib.load(os.path.join(nifti_dir, "anomaly-mask.nii.gz"))
        for what, img in (("map", image), ("mask", mask_image)):
            if img.shape != tuple(expected_shape):
                problem(f"{label}: {what} shape {img.shape} != input {tuple(expected_shape)}")
            if exact and not np.array_equal(img.affine, expected_affine):
                problem(f"{label}: {what} affine differs from the input's:\n{img.affine}\n{expected_affine}")
            # DICOM geometry goes through float32 NIfTI fields: 1e-4 mm is far below any voxel. A
            # single slice has no slice step in its headers, so only its in-plane columns are compared.
            columns = [0, 1, 2, 3] if expected_shape[2] > 1 else [0, 1, 3]
            if not exact and not np.allclose(img.affine[:, columns], expected_affine[:, columns], atol=1e-4, rtol=0):
                problem(f"{label}: {what} affine differs from the DICOM geometry:\n{img.affine}\n{expected_affine}")
        values = np.asarray(image.dataobj)
        mask = np.asarray(mask_image.dataobj)
        affine = mask_image.affine
        if image.get_data_dtype() != np.float32 or mask_image.get_data_dtype() != np.uint8:
            problem(f"{label}: dtypes {image.get_data_dtype()}, {mask_image.get_data_dtype()}")
        if not set(np.unique(mask)).issubset({0, 1}):
            problem(f"{label}: mask values {np.unique(mask)}")
        threshold = np.float32(results["pixelThreshold"]["value"])
        if not np.array_equal(mask == 1, values > threshold):
            problem(f"{label}: mask is not map > pixel threshold {threshold}")
        if marker_value is not None and ordered is not None:
            check_marker(label, ordered, affine, values, mask, axis, marker_value)

    seg_path = os.path.join(folder, "seg", "seg.dcm")
    if os.path.exists(seg_path):
        seg = hd.seg.segread(seg_path)
        frames = seg.pixel_array
        if frames.ndim == 2:
            frames = frames[None]
        if frames.ndim == 4:
            frames = frames[..., 0]
        shared = seg.SharedFunctionalGroupsSequence[0]
        seg_iop = floats(shared.PlaneOrientationSequence[0].ImageOrientationPatient)
        seg_spacing = floats(shared.PixelMeasuresSequence[0].PixelSpacing)
        referenced = set()
        for i, item in enumerate(seg.PerFrameFunctionalGroupsSequence):
            sop = item.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
            referenced.add(sop)
            if sop not in sources:
                problem(f"{label}: SEG frame {i + 1} references unknown instance {sop}")
                continue
            src = sources[sop][1]
            position = floats(item.PlanePositionSequence[0].ImagePositionPatient)
            if not np.allclose(position, floats(src.ImagePositionPatient), atol=1e-6, rtol=0):
                problem(f"{label}: SEG frame {i + 1} position {position} != source {list(src.ImagePositionPatient)}")
            if not np.allclose(seg_iop, floats(src.ImageOrientationPatient), atol=1e-6, rtol=0):
                problem(f"{label}: SEG orientation {seg_iop} != source {list(src.ImageOrientationPatient)}")
            if not np.allclose(seg_spacing, floats(src.PixelSpacing), atol=1e-6, rtol=0):
                problem(f"{label}: SEG pixel spacing {seg_spacing} != source {list(src.PixelSpacing)}")
            if mask is not None:
                rows, cols = frames.shape[1:]
                points = patient_points(position, seg_iop, seg_spacing, rows, cols)
                ijk, error = to_voxels(points, affine)
                inside = np.all((ijk >= 0) & (ijk < np.array(mask.shape)), axis=1)
                if error > 1e-3 or not inside.all():
                    problem(f"{label}: SEG frame {i + 1} pixels are not on the NIfTI grid (off by {error})")
                    continue
                at = mask[ijk[:, 0], ijk[:, 1], ijk[:, 2]].reshape(rows, cols)
                if not np.array_equal(at.astype(bool), frames[i].astype(bool)):
                    problem(f"{label}: SEG frame {i + 1} differs from the NIfTI mask at the same patient positions "
                            f"({int(np.sum(at.astype(bool) != frames[i].astype(bool)))} pixels)")
        series_sops = {ds.SOPInstanceUID for ds in (ordered or [])}
        if ordered is not None and referenced != series_sops:
            problem(f"{label}: SEG references {len(referenced)} instances, the series has {len(series_sops)}")
        uids = {sop for (_, _, sop) in seg.get_source_image_uids()}
        if not uids.issubset(set(sources)):
            problem(f"{label}: highdicom source image UIDs not among the sources")

    for sub in ("sc", "overlay"):
        directory = os.path.join(folder, sub)
        if not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            ds = pydicom.dcmread(os.path.join(directory, name))
            sop = ds.SourceImageSequence[0].ReferencedSOPInstanceUID
            if sop not in sources:
                problem(f"{label}: {sub}/{name} references unknown instance {sop}")
                continue
            src = sources[sop][1]
            pixels = ds.pixel_array
            if sub == "sc":
                if pixels.shape != (int(ds.Rows), int(ds.Columns), 3):
                    problem(f"{label}: sc/{name} decodes to {pixels.shape}")
                continue
            if not np.array_equal(pixels, src.pixel_array):
                problem(f"{label}: overlay/{name} pixel data differs from its source")
            # The mask goes into 6000, or the first overlay group the source does not use.
            groups = [g for g in range(0x6000, 0x6020, 2) if (g, 0x3000) in ds and (g, 0x3000) not in src]
            if len(groups) != 1:
                problem(f"{label}: overlay/{name} adds overlay groups {[hex(g) for g in groups]}, expected one")
                continue
            overlay = ds.overlay_array(groups[0])
            if overlay.shape != pixels.shape:
                problem(f"{label}: overlay/{name} overlay shape {overlay.shape}")
            if mask is not None:
                points = patient_points(floats(ds.ImagePositionPatient), floats(ds.ImageOrientationPatient),
                                        floats(ds.PixelSpacing), int(ds.Rows), int(ds.Columns))
                ijk, error = to_voxels(points, affine)
                at = mask[ijk[:, 0], ijk[:, 1], ijk[:, 2]].reshape(overlay.shape)
                if error > 1e-3 or np.any(overlay.astype(bool) & ~at.astype(bool)):
                    problem(f"{label}: overlay/{name} marks pixels outside the NIfTI mask")


def check_marker(label, ordered, affine, values, mask, axis, marker_value):
    """The planes analysed along `axis` (map > 0) are exactly those through the marker."""
    marker_voxels = []
    for ds in ordered:
        rows, cols = np.nonzero(ds.pixel_array == marker_value)
        if len(rows) == 0:
            continue
        points = patient_points(floats(ds.ImagePositionPatient), floats(ds.ImageOrientationPatient),
                                floats(ds.PixelSpacing), int(ds.Rows), int(ds.Columns))[rows, cols]
        ijk, error = to_voxels(points, affine)
        if error > 1e-3:
            problem(f"{label}: marker pixels fall {error} voxels off the NIfTI grid")
        marker_voxels.append(ijk)
    if not marker_voxels:
        problem(f"{label}: no marker pixels with value {marker_value} in the sources")
        return
    marker = np.concatenate(marker_voxels)
    codes = nib.aff2axcodes(affine)
    wanted = {"sagittal": "LR", "coronal": "AP", "axial": "SI"}[axis]
    along = [i for i, code in enumerate(codes) if code in wanted]
    if len(along) != 1:
        problem(f"{label}: no single {axis} axis in {codes}")
        return
    a = along[0]
    analysed = sorted(set(np.nonzero(values > 0)[a].tolist()))
    expected = sorted(set(marker[:, a].tolist()))
    if analysed != expected:
        problem(f"{label}: {axis} planes analysed {analysed} != planes through the marker {expected}")
    planes = np.moveaxis(values, a, 0)[expected]
    if not np.all(planes > 0):
        problem(f"{label}: the planes through the marker are not analysed throughout")
    if not np.array_equal(mask.astype(bool), values > 0):
        problem(f"{label}: with pixel threshold 0 the mask should be the analysed planes")
    print(f"{label}: {axis} planes {expected} through the marker; analysed {analysed}")


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    sources = index_sources(manifest.get("dicom_sources", []))
    nifti_inputs = manifest.get("nifti_inputs", [])
    marker_value = manifest.get("marker_value")
    count = 0
    for run in manifest["outputs"]:
        for root, _, files in os.walk(run["folder"]):
            if "results.json" not in files or os.path.samefile(root, run["folder"]):
                continue
            with open(os.path.join(root, "results.json")) as f:
                results = json.load(f)
            if "statement" not in results:
                continue
            check_series(root, results, sources, nifti_inputs, run.get("axis", "axial"), marker_value)
            count += 1
    expected = manifest.get("expect_series")
    if expected is not None and count != expected:
        problem(f"{count} processed series found, {expected} expected")
    print(f"checked {count} series, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
