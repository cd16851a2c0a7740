#!/usr/bin/env python3
"""Independent check of the DICOM objects the Swift writers produced, with pydicom and highdicom.

Usage: check_dicom_outputs.py MANIFEST.json

The manifest (written by DicomWriteOutputTests) lists every Secondary Capture, overlay copy and
SEG written, with the raw inputs the test handed to the writers: RGB bytes, filled masks as 0/1
bytes, and the source files and frames. Outlines are recomputed here from the filled masks, so
the Swift outline code is checked against an independent implementation.
Prints one line per problem and exits 1 if there is any.
"""
import json
import sys

import highdicom as hd
import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian

SC_CLASS = "1.2.840.10008.5.1.4.1.1.7"
NOTICE = "not for clinical use"
problems = []


def check(condition, what):
    if not condition:
        problems.append(what)
    return condition


def load_mask(path, rows, cols):
    return np.fromfile(path, dtype=np.uint8).reshape(rows, cols) != 0


def outline(mask):
    """Pixels of the mask with a 4-neighbour outside the mask or the image."""
    padded = np.pad(mask, 1, constant_values=False)
    interior = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    return mask & ~interior


def expected_overlay(entry, rows, cols):
    mask = load_mask(entry["mask"], rows, cols)
    return outline(mask) if entry["style"] == "outline" else mask


def common_checks(ds, src, name):
    check(ds.StudyInstanceUID == src.StudyInstanceUID, f"{name}: study UID not the source's")
    check(ds.get("PatientID", "") == src.get("PatientID", ""), f"{name}: PatientID not the source's")
    check(ds.SeriesInstanceUID != src.SeriesInstanceUID, f"{name}: series UID reused from the source")
    check(ds.SOPInstanceUID != src.SOPInstanceUID, f"{name}: SOP instance UID reused from the source")
    check(NOTICE in str(ds.get("ImageComments", "")), f"{name}: ImageComments lacks the notice")
    ref = ds.SourceImageSequence[0]
    check(ref.ReferencedSOPInstanceUID == src.SOPInstanceUID, f"{name}: SourceImageSequence does not name the source")
    check(ref.ReferencedSOPClassUID == src.SOPClassUID, f"{name}: SourceImageSequence has the wrong class")
    check(ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian, f"{name}: not explicit VR little endian")


def check_sc(e):
    name = e["path"]
    ds = pydicom.dcmread(e["path"])
    src = pydicom.dcmread(e["source"])
    rows, cols = e["rows"], e["cols"]
    check(ds.SOPClassUID == SC_CLASS, f"{name}: SOP class {ds.SOPClassUID}")
    common_checks(ds, src, name)
    check(list(ds.ImageType) == ["DERIVED", "SECONDARY"], f"{name}: ImageType {ds.ImageType}")
    check(ds.ConversionType == "WSD", f"{name}: ConversionType {ds.ConversionType}")
    check(ds.BurnedInAnnotation == ("YES" if e["burned_in"] else "NO"), f"{name}: BurnedInAnnotation")
    if int(src.get("NumberOfFrames", 1)) > 1:
        ref = ds.SourceImageSequence[0]
        check(int(ref.get("ReferencedFrameNumber", 0)) == e["frame"] + 1, f"{name}: ReferencedFrameNumber")
    rgb = np.fromfile(e["rgb"], dtype=np.uint8).reshape(rows, cols, 3)
    px = ds.pixel_array
    check(px.shape == (rows, cols, 3) and np.array_equal(px, rgb), f"{name}: RGB pixels differ from those written")
    if "overlay" in e:
        ov = ds.overlay_array(0x6000).astype(bool)
        want = expected_overlay(e["overlay"], rows, cols)
        check(ov.shape == want.shape and np.array_equal(ov, want),
              f"{name}: overlay differs from the mask ({int((ov != want).sum())} pixels)")
        check(ds[0x6000, 0x0040].value == e["overlay"]["type"], f"{name}: overlay type")
        check(list(ds[0x6000, 0x0050].value) == [1, 1], f"{name}: overlay origin")


def check_copy(e):
    name = e["path"]
    ds = pydicom.dcmread(e["path"])
    src = pydicom.dcmread(e["source"])
    common_checks(ds, src, name)
    check(ds.SOPClassUID == src.SOPClassUID, f"{name}: SOP class changed")
    check(ds.ImageType[0] == "DERIVED", f"{name}: ImageType {ds.ImageType}")
    check(list(ds.ImageType[1:]) == list(src.ImageType[1:]), f"{name}: ImageType values 2.. changed")
    check(np.array_equal(ds.pixel_array, src.pixel_array), f"{name}: pixels differ from the source")
    for kw in ("WindowCenter", "WindowWidth", "RescaleSlope", "RescaleIntercept"):
        check(ds.get(kw) == src.get(kw), f"{name}: {kw} changed")
    group = e["group"]
    ov = ds.overlay_array(group).astype(bool)
    want = expected_overlay(e["overlay"], ds.Rows, ds.Columns)
    check(np.array_equal(ov, want), f"{name}: overlay {group:04X} differs from the mask ({int((ov != want).sum())} pixels)")


def check_seg(e):
    name = e["path"]
    seg = hd.seg.segread(e["path"])
    rows, cols = e["rows"], e["cols"]
    check(seg.SOPClassUID == "1.2.840.10008.5.1.4.1.1.66.4", f"{name}: SOP class")
    check(int(seg.NumberOfFrames) == len(e["frames"]), f"{name}: {seg.NumberOfFrames} frames")
    s = seg.SegmentSequence[0]
    check(s.SegmentAlgorithmType == "AUTOMATIC", f"{name}: algorithm type")
    check(s.SegmentedPropertyCategoryCodeSequence[0].CodeValue == "49755003", f"{name}: category code")
    check(s.SegmentedPropertyTypeCodeSequence[0].CodeValue == "52988006", f"{name}: type code")
    check(s.SegmentationAlgorithmIdentificationSequence[0].AlgorithmFamilyCodeSequence[0].CodeValue == "123110",
          f"{name}: algorithm family")
    check(s.SegmentationAlgorithmIdentificationSequence[0].AlgorithmName == e["algorithm_name"], f"{name}: algorithm name")
    sources = {}
    for f in e["frames"]:
        sources.setdefault(f["source"], pydicom.dcmread(f["source"], stop_before_pixels=True))
    first = next(iter(sources.values()))
    check(seg.StudyInstanceUID == first.StudyInstanceUID, f"{name}: study UID not the source's")
    referenced = {uids[2] for uids in seg.get_source_image_uids()}
    for path, src in sources.items():
        check(src.SOPInstanceUID in referenced, f"{name}: {path} missing from the referenced instances")
    for f in e["frames"]:
        src = sources[f["source"]]
        want = load_mask(f["mask"], rows, cols)
        if int(src.get("NumberOfFrames", 1)) > 1:
            got = seg.get_pixels_by_source_frame(src.SOPInstanceUID, source_frame_numbers=[f["frame"] + 1],
                                                 segment_numbers=[1])
        else:
            got = seg.get_pixels_by_source_instance([src.SOPInstanceUID], segment_numbers=[1])
        got = np.asarray(got)[0, :, :, 0] != 0
        check(np.array_equal(got, want),
              f"{name}: frame for {f['source']} frame {f['frame']} differs ({int((got != want).sum())} pixels)")


def main():
    with open(sys.argv[1]) as fh:
        manifest = json.load(fh)
    checked = 0
    for kind, fn in (("sc", check_sc), ("copies", check_copy), ("segs", check_seg)):
        for e in manifest.get(kind, []):
            try:
                fn(e)
            except Exception as exc:  # a reader refusing the file is a finding, not a crash
                problems.append(f"{e['path']}: {type(exc).__name__}: {exc}")
            checked += 1
    for p in problems:
        print(p)
    print(f"checked {checked} objects, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
