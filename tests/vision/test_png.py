"""The zlib PNG codec: round trips, every filter type, bit depths and colour types against an
independent reader (scikit-image's, via Pillow/imageio) on the shipped PNGs, and damaged files."""

import os
import struct
import zlib

import numpy as np
import pytest

from mathdl.vision.png import PNGError, _png_bytes, read_png, write_png


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(header, raw, extra=b""):
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + extra
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def _filter(rows, bpp, kind):
    """Encode uint8 rows (H, stride) with one filter type (the encoder side of the PNG spec)."""
    out = []
    prior = np.zeros(rows.shape[1], dtype=np.int64)
    for row in rows.astype(np.int64):
        left = np.concatenate([np.zeros(bpp, np.int64), row[:-bpp]])
        upper_left = np.concatenate([np.zeros(bpp, np.int64), prior[:-bpp]])
        if kind == 0:
            predictor = 0
        elif kind == 1:
            predictor = left
        elif kind == 2:
            predictor = prior
        elif kind == 3:
            predictor = (left + prior) // 2
        else:
            p = left + prior - upper_left
            pa, pb, pc = abs(p - left), abs(p - prior), abs(p - upper_left)
            predictor = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prior, upper_left))
        out.append(bytes([kind]) + ((row - predictor) % 256).astype(np.uint8).tobytes())
        prior = row
    return b"".join(out)


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("channels", [1, 3])
def test_every_filter_type_decodes(tmp_path, rng, kind, channels):
    pixels = rng.integers(0, 256, (7, 9, channels), dtype=np.uint8)
    colour = 0 if channels == 1 else 2
    header = struct.pack(">IIBBBBB", 9, 7, 8, colour, 0, 0, 0)
    path = tmp_path / "f.png"
    path.write_bytes(_png(header, _filter(pixels.reshape(7, -1), channels, kind)))
    expected = pixels[..., 0] if channels == 1 else pixels
    np.testing.assert_array_equal(np.round(read_png(path) * 255).astype(np.uint8), expected)


def test_round_trip_grey_rgb_and_uint8(tmp_path, rng):
    grey = rng.random((5, 6)).astype(np.float32)
    rgb = rng.integers(0, 256, (4, 3, 3), dtype=np.uint8)
    write_png(tmp_path / "g.png", grey)
    write_png(tmp_path / "c.png", rgb)
    back = read_png(tmp_path / "g.png")
    assert back.shape == (5, 6) and back.dtype == np.float32
    np.testing.assert_allclose(back, np.round(grey * 255) / 255, atol=1e-7)
    np.testing.assert_array_equal(np.round(read_png(tmp_path / "c.png") * 255).astype(np.uint8), rgb)
    write_png(tmp_path / "clip.png", np.array([[-0.5, 1.5]]))
    np.testing.assert_array_equal(read_png(tmp_path / "clip.png"), [[0.0, 1.0]])


def test_sixteen_bit_alpha_palette_and_low_bit_depths(tmp_path):
    values = np.array([[0, 1000, 65535]], dtype=">u2")
    path = tmp_path / "16.png"
    path.write_bytes(_png(struct.pack(">IIBBBBB", 3, 1, 16, 0, 0, 0, 0), b"\0" + values.tobytes()))
    np.testing.assert_allclose(read_png(path), values / 65535.0, rtol=1e-6)
    rgba = np.array([[[10, 20, 30, 0], [40, 50, 60, 255]]], dtype=np.uint8)
    path.write_bytes(_png(struct.pack(">IIBBBBB", 2, 1, 8, 6, 0, 0, 0), b"\0" + rgba.tobytes()))
    np.testing.assert_allclose(read_png(path) * 255, rgba[..., :3], atol=1e-4)  # alpha dropped
    palette = _chunk(b"PLTE", bytes([255, 0, 0, 0, 0, 255]))
    path.write_bytes(_png(struct.pack(">IIBBBBB", 3, 1, 1, 3, 0, 0, 0), b"\0" + bytes([0b01000000]), palette))
    np.testing.assert_array_equal(read_png(path), [[[1, 0, 0], [0, 0, 1], [1, 0, 0]]])
    path.write_bytes(_png(struct.pack(">IIBBBBB", 4, 1, 2, 0, 0, 0, 0), b"\0" + bytes([0b00011011])))
    np.testing.assert_allclose(read_png(path), [[0, 1 / 3, 2 / 3, 1]])


def test_the_shipped_photographs_match_an_independent_reader():
    skimage_io = pytest.importorskip("skimage.io", reason="the reference reader comes with scikit-image")
    import skimage.data

    folder = os.path.dirname(skimage.data.__file__)
    for name in (
        "astronaut.png",
        "camera.png",
        "chelsea.png",
        "coins.png",
        "motorcycle_left.png",
        "logo.png",
    ):
        expected = skimage_io.imread(os.path.join(folder, name))
        expected = expected[..., :3] if expected.ndim == 3 else expected
        np.testing.assert_array_equal(np.round(read_png(os.path.join(folder, name)) * 255), expected)


def test_errors(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(b"not a png")
    with pytest.raises(PNGError, match="signature"):
        read_png(path)
    good = _png_bytes(np.zeros((2, 2)))
    path.write_bytes(good[:-20])
    with pytest.raises(PNGError, match="truncated|IEND|CRC"):
        read_png(path)
    damaged = bytearray(good)
    damaged[40] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(PNGError, match="CRC"):
        read_png(path)
    path.write_bytes(_png(struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 1), b"\0\0"))
    with pytest.raises(PNGError, match="interlaced"):
        read_png(path)
    with pytest.raises(FileNotFoundError):
        read_png(tmp_path / "missing.png")
    write_png(tmp_path / "kept.png", np.zeros((2, 2)))
    with pytest.raises(FileExistsError, match="exists"):
        write_png(tmp_path / "kept.png", np.ones((2, 2)))
    np.testing.assert_array_equal(read_png(tmp_path / "kept.png"), np.zeros((2, 2)))  # not overwritten
    with pytest.raises(ValueError, match="shape"):
        write_png(tmp_path / "bad.png", np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        write_png(tmp_path / "nan.png", np.full((2, 2), np.nan))
    with pytest.raises(TypeError, match="dtype"):
        write_png(tmp_path / "int.png", np.zeros((2, 2), dtype=np.int32))
