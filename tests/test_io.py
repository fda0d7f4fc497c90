"""mathdl.io.save / load: faithful round trips, atomic writes, clear errors, never unpickling."""

import json
import math
import os
import pickle

import numpy as np
import pytest

import mathdl as md
from mathdl import io
from mathdl.io import CheckpointError, atomic_write


def _example():
    return {
        "model": {
            "weight": md.tensor([[1.0, 2.0], [3.0, 4.0]]),
            "bias": md.tensor([0.5, -0.5], requires_grad=True),
            "running_mean": np.arange(3, dtype=np.float64),
        },
        "optimizer": {
            "state": {
                0: {"step": 7, "exp_avg": np.ones((2, 2), np.float32)},
                1: {"step": 7, "exp_avg": np.zeros(2, np.float32)},
            },
            "param_groups": [
                {"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False, "name": None}
            ],
        },
        "epoch": 12,
        "big": 2**80,
        "floats": [math.nan, math.inf, -0.0, 0.1],
        "text": "größe ∑",
        "flags": np.array([True, False]),
        "scalar": np.float32(2.5),
        "nested": [[], {}, ()],
        -3: "negative key",
    }


def _assert_same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            _assert_same(u, v)
    elif isinstance(a, md.Tensor):
        assert a.dtype == b.dtype and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.array, b.array)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float):
        assert repr(a) == repr(b)  # exact, including nan, inf and the sign of zero
    else:
        assert a == b


def test_round_trip_preserves_structure_types_and_values(tmp_path):
    obj = _example()
    path = tmp_path / "checkpoint.mdl"
    io.save(obj, path)
    back = io.load(path)
    _assert_same(obj, back)
    assert isinstance(back["model"]["weight"], md.Tensor)
    assert list(back["optimizer"]["state"]) == [0, 1]
    assert back["model"]["weight"].array.flags.writeable


def test_top_level_md_save_and_load_delegate(tmp_path):
    md.save({"w": md.tensor([1.0])}, tmp_path / "a.npz")
    assert md.load(tmp_path / "a.npz")["w"].array.tolist() == [1.0]
    md.save(md.tensor([3.0, 4.0]), str(tmp_path / "b"))
    assert md.load(str(tmp_path / "b")).array.tolist() == [3.0, 4.0]
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b"]  # the name is used exactly as given


def test_file_is_a_plain_npz_with_a_versioned_marker(tmp_path):
    io.save({"x": np.arange(3)}, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as archive:
        header = json.loads(bytes(archive[io.HEADER_ENTRY]).decode())
        assert header["format"] == "mathdl-checkpoint" and header["version"] == 1
        np.testing.assert_array_equal(archive["a0"], np.arange(3))


@pytest.mark.parametrize(
    "obj, where",
    [
        ({"a": [1, {2, 3}]}, r"obj\['a'\]\[1\]"),
        ({"a": np.array([object()], dtype=object)}, r"obj\['a'\].*Python objects"),
        ({(1, 2): 3}, r"key \(1, 2\).*allowed key types: str, int"),
        ({1.5: 3}, "allowed key types"),
        ({True: 3}, "allowed key types"),
        ([1 + 2j], r"complex at obj\[0\]"),
    ],
)
def test_unsupported_values_raise_TypeError_naming_the_place(tmp_path, obj, where):
    with pytest.raises(TypeError, match=where):
        io.save(obj, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        io.save({}, tmp_path / "no" / "x.npz")


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    io.save({"v": 1}, path)
    before = path.read_bytes()

    def broken_savez(stream, **arrays):
        stream.write(b"PK partial bytes")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        io.save({"v": 2}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.npz"]


def test_atomic_write_replaces_only_on_success(tmp_path):
    path = tmp_path / "f"
    with atomic_write(path) as stream:
        stream.write(b"one")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as stream:
            stream.write(b"two")
            raise RuntimeError("interrupted")
    assert path.read_bytes() == b"one" and os.listdir(tmp_path) == ["f"]


class _Exploit:
    """Unpickling this would create a file: proof that load never unpickles."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(bytes(range(64))), "not an npz/zip"),
        (lambda p: p.write_bytes(b"\x93NUMPY" + b"\x00" * 20), "single .npy"),
        (lambda p: p.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 20), "gzip"),
    ],
)
def test_foreign_files_raise_CheckpointError_naming_the_path(tmp_path, make, message):
    path = tmp_path / "foreign.bin"
    make(path)
    with pytest.raises(CheckpointError, match=message) as info:
        io.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_pickle_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"x": _Exploit(str(marker))}))
    with pytest.raises(CheckpointError, match="pickle"):
        io.load(path)
    assert not marker.exists()


def test_object_array_inside_an_otherwise_valid_checkpoint_is_not_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    header = {"format": "mathdl-checkpoint", "version": 1, "structure": {"type": "array", "entry": "a0"}}
    path = tmp_path / "crafted.npz"
    np.savez(
        path,
        a0=np.array([_Exploit(str(marker))], dtype=object),
        __mathdl__=np.frombuffer(json.dumps(header).encode(), np.uint8),
    )
    with pytest.raises(CheckpointError, match="'a0' cannot be read"):
        io.load(path)
    assert not marker.exists()


def test_plain_npz_without_the_marker(tmp_path):
    np.savez(tmp_path / "plain.npz", weights=np.zeros(3))
    with pytest.raises(CheckpointError, match="not a mathdl checkpoint.*weights"):
        io.load(tmp_path / "plain.npz")


def test_truncated_and_corrupted_checkpoints(tmp_path):
    path = tmp_path / "ck.npz"
    io.save({"w": np.arange(10000, dtype=np.float64)}, path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        (tmp_path / "cut.npz").write_bytes(data[:cut])
        with pytest.raises(CheckpointError) as info:
            io.load(tmp_path / "cut.npz")
        assert str(tmp_path / "cut.npz") in str(info.value)
    damaged = bytearray(data)
    damaged[len(data) // 3] ^= 0xFF  # inside the array's bytes: the zip CRC catches it
    (tmp_path / "flip.npz").write_bytes(bytes(damaged))
    with pytest.raises(CheckpointError, match="damaged|CRC|cannot be read"):
        io.load(tmp_path / "flip.npz")


def _write_raw_checkpoint(path, header_bytes, **arrays):
    np.savez(path, __mathdl__=np.frombuffer(header_bytes, np.uint8), **arrays)


@pytest.mark.parametrize(
    "header, message",
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"format": "other"}).encode(), "format marker"),
        (
            json.dumps({"format": "mathdl-checkpoint", "version": 99, "structure": None}).encode(),
            "version 99",
        ),
        (json.dumps({"format": "mathdl-checkpoint", "version": 1}).encode(), "no structure"),
        (
            json.dumps(
                {"format": "mathdl-checkpoint", "version": 1, "structure": {"type": "tensor", "entry": "a7"}}
            ).encode(),
            "'a7', which is missing",
        ),
        (
            json.dumps(
                {"format": "mathdl-checkpoint", "version": 1, "structure": {"type": "set", "items": []}}
            ).encode(),
            "unknown node type 'set'",
        ),
        (
            json.dumps(
                {
                    "format": "mathdl-checkpoint",
                    "version": 1,
                    "structure": {"type": "dict", "items": [[{"float": 1.5}, {"type": "none"}]]},
                }
            ).encode(),
            "malformed dict key",
        ),
        (
            json.dumps(
                {"format": "mathdl-checkpoint", "version": 1, "structure": {"type": "int", "value": "7"}}
            ).encode(),
            "int node",
        ),
    ],
)
def test_damaged_headers(tmp_path, header, message):
    path = tmp_path / "bad.npz"
    _write_raw_checkpoint(path, header)
    with pytest.raises(CheckpointError, match=message):
        io.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        io.load(tmp_path / "nothing.npz")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        io.load(tmp_path)


def test_unusual_strings_survive(tmp_path):
    obj = {"\ud800lone surrogate": "tab\tnewline\n\x00nul", "": ["ü", "🙂"]}
    io.save(obj, tmp_path / "s.npz")
    assert io.load(tmp_path / "s.npz") == obj
