"""The GIF writer: LZW codes decoded by a decoder written from the GIF spec in this test and by Pillow,
over frames that fill and reset the code table; the tracking animation's drawing."""

import numpy as np
import pytest

from mathdl.vision.animation import (
    DIGIT_FONT,
    GREYS,
    palette,
    tile_sequences,
    tracking_frames,
    write_tracking_gif,
)
from mathdl.vision.gif import gif_bytes, lzw_encode, write_gif


def lzw_decode(data, count):
    """GIF LZW decoding (minimum code size 8), as the spec describes it, for the first ``count`` values."""
    position, width, out = 0, 9, []
    table, previous = None, None
    bits = int.from_bytes(data, "little")
    total = len(data) * 8
    while position + width <= total:
        code = (bits >> position) & ((1 << width) - 1)
        position += width
        if code == 256:
            table, previous, width = [bytes([i]) for i in range(256)] + [b"", b""], None, 9
            continue
        if code == 257:
            break
        if previous is None:
            entry = table[code]
        else:
            entry = table[code] if code < len(table) else previous + previous[:1]
            table.append(previous + entry[:1])
            if len(table) == (1 << width) and width < 12:
                width += 1
        out.append(entry)
        previous = entry
    return np.frombuffer(b"".join(out), dtype=np.uint8)[:count]


@pytest.mark.parametrize(
    "values",
    [
        np.zeros(5000, dtype=np.uint8),  # long runs: the kωk case (a code used as soon as it is made)
        np.random.default_rng(0).integers(0, 256, 30000).astype(np.uint8),  # fills 4096 codes: CLEARs
        np.random.default_rng(1).integers(0, 3, 20000).astype(np.uint8),
        np.array([7], dtype=np.uint8),
        np.zeros(0, dtype=np.uint8),
    ],
)
def test_lzw_round_trip(values):
    data = lzw_encode(values)
    np.testing.assert_array_equal(lzw_decode(data, len(values)), values)
    if len(values) > 1000 and values.max() == 0:
        assert len(data) < len(values) / 20  # runs compress


def test_pillow_reads_our_gif(tmp_path):
    image_module = pytest.importorskip("PIL.Image", reason="Pillow (a matplotlib dependency) decodes the GIF")
    rng = np.random.default_rng(2)
    colours = rng.integers(0, 256, (256, 3)).astype(np.uint8)
    frames = np.stack([rng.integers(0, 256, (37, 53)), np.zeros((37, 53)), rng.integers(0, 5, (37, 53))])
    path = write_gif(frames.astype(np.uint8), colours, str(tmp_path / "a" / "x.gif"), delay=70)
    with image_module.open(path) as gif:
        assert gif.n_frames == 3 and gif.size == (53, 37)
        assert gif.info["duration"] == 70 and gif.info["loop"] == 0
        for k in range(3):
            gif.seek(k)
            np.testing.assert_array_equal(np.asarray(gif.convert("RGB")), colours[frames[k].astype(np.uint8)])


def test_gif_errors():
    colours = palette()
    with pytest.raises(TypeError, match="uint8"):
        gif_bytes(np.zeros((1, 4, 4)), colours)
    with pytest.raises(ValueError, match=r"\(T, H, W\)"):
        gif_bytes(np.zeros((1, 0, 4), dtype=np.uint8), colours)
    with pytest.raises(ValueError, match="palette"):
        gif_bytes(np.zeros((1, 4, 4), dtype=np.uint8), colours[:10])


def test_tracking_frames_draw_boxes_and_ids():
    frames = np.full((2, 1, 16, 24), 0.5, dtype=np.float32)
    tracks = [
        {"boxes": np.array([[2.0, 5.0, 12.0, 15.0]]), "track_ids": np.array([3])},
        {"boxes": np.zeros((0, 4)), "track_ids": np.zeros(0)},
    ]
    drawn = tracking_frames(frames, tracks, scale=2)
    assert drawn.shape == (2, 32, 48)
    colour = GREYS + 3
    grey = round(0.5 * (GREYS - 1))
    # the outline: rows 10 and 29, columns 4 and 23 (box × 2, right/bottom edges inclusive)
    assert (drawn[0, 10, 4:24] == colour).all() and (drawn[0, 29, 4:24] == colour).all()
    assert (drawn[0, 10:30, 4] == colour).all() and (drawn[0, 10:30, 23] == colour).all()
    assert (drawn[0, 12:28, 6:22] == grey).all() and (drawn[1] == grey).all()
    # the id "3" above the box at (4, 0): the glyph scaled 2x
    glyph = np.kron(DIGIT_FONT[3], np.ones((2, 2), dtype=bool))
    np.testing.assert_array_equal(drawn[0, 0:10, 4:10] == colour, glyph)
    np.testing.assert_array_equal(palette()[colour], [255, 150, 0])
    tiled = tile_sequences([drawn, drawn, drawn], columns=2)
    assert tiled.shape == (2, 2 * 32 + 4, 2 * 48 + 4)
    with pytest.raises(ValueError, match="2 frames but 1"):
        tracking_frames(frames, tracks[:1])
    with pytest.raises(ValueError, match="scale"):
        tracking_frames(frames, tracks, scale=0)


def test_write_tracking_gif(tmp_path):
    frames = np.random.default_rng(0).random((3, 1, 16, 16)).astype(np.float32)
    tracks = [{"boxes": np.array([[1.0, 1.0, 9.0, 9.0]]), "track_ids": np.array([12])}] * 3
    path = write_tracking_gif([frames, frames], [tracks, tracks], str(tmp_path / "t.gif"), scale=3)
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:6] == b"GIF89a" and data[-1:] == b";"
    width, height = np.frombuffer(data[6:10], dtype="<u2")
    assert (width, height) == (2 * 48 + 4, 48)
