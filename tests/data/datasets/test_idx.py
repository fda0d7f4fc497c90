"""The IDX reader/writer: exact bytes, round trips, and clear errors on foreign or damaged files."""

import gzip

import numpy as np
import pytest

from mathdl.data.datasets.idx import IDXError, read_idx, write_idx


def test_known_bytes_of_a_small_file(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    write_idx(path, np.array([7, 0, 255], dtype=np.uint8))
    assert path.read_bytes() == bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 0, 255])
    path16 = tmp_path / "x-idx2-short"
    write_idx(path16, np.array([[1, -2]], dtype=np.int16))
    assert path16.read_bytes() == bytes([0, 0, 0x0B, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0xFF, 0xFE])


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, rng, dtype, suffix):
    array = (rng.standard_normal((4, 3, 5)) * 50).astype(dtype)
    path = tmp_path / f"data-idx3{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype).newbyteorder("=")
    assert back.shape == (4, 3, 5)
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable
    if suffix:
        assert path.read_bytes()[:2] == b"\x1f\x8b"


def test_gzip_is_detected_from_content_not_name(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    write_idx(tmp_path / "plain.gz", array)  # compressed, since the name ends in .gz
    (tmp_path / "renamed").write_bytes((tmp_path / "plain.gz").read_bytes())
    np.testing.assert_array_equal(read_idx(tmp_path / "renamed"), array)


def _raw(code, dims, payload):
    header = bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    return header + payload


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "too short"),
        (b"\x00\x00", "too short"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "magic number"),
        (_raw(0x0A, [2], b"\x00\x00"), "unknown element type 0x0A"),
        (bytes([0, 0, 8, 0]), "0 dimensions"),
        (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "truncated inside its header"),
        (_raw(0x08, [2, 3], b"\x01" * 5), "truncated"),
        (_raw(0x08, [2, 3], b"\x01" * 7), "bytes after"),
        (_raw(0x0C, [2], b"\x00" * 7), "truncated"),
    ],
)
@pytest.mark.parametrize("compress", [False, True])
def test_foreign_or_damaged_files_raise_IDXError_naming_the_path(tmp_path, content, message, compress):
    path = tmp_path / "bad-idx"
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(IDXError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_damaged_gzip_stream(tmp_path):
    array = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "x.gz", array)
    data = bytearray((tmp_path / "x.gz").read_bytes())
    cut = tmp_path / "cut.gz"
    cut.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(IDXError, match="damaged gzip"):
        read_idx(cut)
    data[len(data) // 2] ^= 0xFF
    flipped = tmp_path / "flipped.gz"
    flipped.write_bytes(bytes(data))
    with pytest.raises(IDXError):
        read_idx(flipped)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_idx(tmp_path / "nothing")


def test_write_misuse(tmp_path):
    with pytest.raises(TypeError, match="cannot hold dtype bool"):
        write_idx(tmp_path / "b", np.array([True]))
    with pytest.raises(TypeError, match="int64"):
        write_idx(tmp_path / "i", np.array([1, 2], dtype=np.int64))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "s", np.array(3, dtype=np.uint8))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_idx(tmp_path / "no" / "such" / "f", np.zeros(2, np.uint8))
    assert sorted(p.name for p in tmp_path.iterdir()) == []
