#!/usr/bin/env python3
"""Writes the fuzz seed corpus, one folder per target, from the repository's real sample files.

Usage: fuzz-seeds.py OUTPUT_FOLDER

Seeds are kept small (libFuzzer mutates faster and explores more on short inputs): large sample
files are left out, and checkpoint seeds are rebuilt from real headers and pickles with tiny
tensors. Only the Python standard library is used.
"""
import gzip
import io
import json
import pickle
import struct
import sys
import types
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_SEED = 160 * 1024


def small_files(patterns, limit=MAX_SEED, most=None):
    found = []
    for pattern in patterns:
        found += [p for p in sorted(ROOT.glob(pattern)) if p.is_file() and p.stat().st_size <= limit]
    unique = {p.read_bytes(): p for p in found}  # identical copies in sample-data and Tests/Fixtures
    files = sorted(unique.values(), key=lambda p: p.stat().st_size)
    return files[:most] if most else files


def write(folder, name, data):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def dicom(out):
    for p in small_files(["sample-data/dicom/*.dcm", "Tests/Fixtures/dicom-src/*.dcm", "Tests/Fixtures/dicom/**/*.dcm"]):
        write(out, p.name, p.read_bytes())


def nifti(out):
    for p in small_files(["sample-data/nifti/*.nii*", "Tests/Fixtures/nifti/*.nii*", "sample-data/dbt-synthetic/*.nii.gz"]):
        data = p.read_bytes()
        write(out, p.name, data)
        if p.suffix == ".gz":
            try:
                plain = gzip.decompress(data)
            except Exception:  # the corrupt fixtures are seeds as they are
                continue
            if len(plain) <= MAX_SEED:
                write(out, p.name[:-3], plain)


def png(out):
    for p in small_files(["Tests/Fixtures/raster/**/*.png", "Tests/Fixtures/render/**/*.png"], limit=12 * 1024, most=60):
        write(out, p.parent.name + "-" + p.name, p.read_bytes())


def safetensors(out):
    """Real headers (names, dtypes, metadata) with every tensor shrunk to a few elements."""
    sizes = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
    for p in small_files(["Tests/Fixtures/**/*.safetensors", "sample-data/models/**/*.safetensors"], limit=1 << 26):
        with open(p, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
        entries = [(k, v) for k, v in header.items() if k != "__metadata__"][:6]
        new, offset = {}, 0
        if "__metadata__" in header:
            new["__metadata__"] = header["__metadata__"]
        for k, v in entries:
            shape = [min(d, 2) for d in v["shape"]][:3]
            count = 1
            for d in shape:
                count *= d
            length = count * sizes.get(v["dtype"], 4)
            new[k] = {"dtype": v["dtype"], "shape": shape, "data_offsets": [offset, offset + length]}
            offset += length
        text = json.dumps(new).encode()
        write(out, p.stem + ".safetensors", struct.pack("<Q", len(text)) + text + bytes(range(256)) * (offset // 256 + 1))


def fake_torch():
    """Just enough of torch's module layout for pickle to write references the way torch.save does."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise RuntimeError("never called")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils

    class FloatStorage:
        pass

    class LongStorage:
        pass

    for cls in (FloatStorage, LongStorage):
        cls.__module__ = "torch"
        cls.__qualname__ = cls.__name__
        setattr(torch, cls.__name__, cls)
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    return torch


class Storage:
    def __init__(self, kind, key, numel):
        self.kind, self.key, self.numel = kind, key, numel


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, __import__("collections").OrderedDict())

    def __reduce__(self):
        return (sys.modules["torch._utils"]._rebuild_tensor_v2, self.args)


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.kind, obj.key, "cpu", obj.numel)
        return None


def state_dict_pickles():
    """Small state dicts referring to storages "0"…"3" of 64 bytes, which the pickle target provides."""
    torch = fake_torch()
    import collections
    f32 = [Storage(torch.FloatStorage, str(k), 16) for k in range(3)]
    i64 = Storage(torch.LongStorage, "3", 8)
    dicts = [
        collections.OrderedDict([("weight", Tensor(f32[0], 0, (4, 4), (4, 1))), ("bias", Tensor(f32[1], 0, (16,), (1,)))]),
        {"model": {"layer.0.w": Tensor(f32[2], 2, (2, 3), (1, 2))}, "epoch": 3, "lr": 0.001, "name": "seed"},
        {"ids": Tensor(i64, 0, (8,), (1,)), "nested": [1, 2.5, (True, None), b"bytes", {"k": "v"}]},
    ]
    out = []
    for d in dicts:
        for protocol in (2, 3, 4, 5):
            buffer = io.BytesIO()
            TorchPickler(buffer, protocol=protocol).dump(d)
            out.append(buffer.getvalue())
    return out


def pickles(out):
    for i, data in enumerate(state_dict_pickles()):
        write(out, f"state-dict-{i}.pkl", data)
    for p in small_files(["Tests/Fixtures/tiny-clip/*.pt", "Tests/Fixtures/tiny-clip/*.pth", "Tests/Fixtures/tiny-clip/*.bin"], limit=1 << 26):
        with zipfile.ZipFile(p) as z:
            for name in z.namelist():
                if name.endswith(".pkl"):
                    data = z.read(name)
                    if len(data) <= MAX_SEED:
                        write(out, p.stem + "-" + name.replace("/", "-"), data)


def torchzips(out):
    for p in small_files(["Tests/Fixtures/tiny-clip/*.pth"]):
        write(out, p.name, p.read_bytes())
    for i, data in enumerate(state_dict_pickles()[::4]):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
            z.writestr("archive/data.pkl", data)
            z.writestr("archive/byteorder", "little")
            for key in range(4):
                z.writestr(f"archive/data/{key}", bytes([key]) * 64)
        write(out, f"state-dict-{i}.pt", buffer.getvalue())
        deflated = io.BytesIO()
        with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("archive/data.pkl", data)
            z.writestr("archive/data/0", bytes(64))
        write(out, f"state-dict-{i}-deflated.pt", deflated.getvalue())


def yaml(out):
    for p in small_files(["pipelines/*.yaml", "Tests/**/*.yaml"]):
        write(out, p.name, p.read_bytes())


def main():
    out = Path(sys.argv[1])
    for name, make in [("dicom", dicom), ("nifti", nifti), ("png", png), ("safetensors", safetensors),
                       ("pickle", pickles), ("torchzip", torchzips), ("yaml", yaml)]:
        make(out / name)
        files = list((out / name).iterdir())
        print(f"{name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
