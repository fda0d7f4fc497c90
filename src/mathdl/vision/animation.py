"""Animations of tracked boxes: grey frames with each track's box and id drawn in its colour, as GIF.

    write_tracking_gif(frames, tracks, "tracks.gif", scale=4)

Drawn with NumPy only (no matplotlib): the frame is enlarged ``scale`` times (nearest neighbour), its
grey levels take palette entries 0-239, the 16 track colours entries 240-255; each box is a one-pixel
outline on the enlarged frame, and the track id is written above it (inside the frame) with a 3 × 5
bitmap font scaled twice. Several sequences can be tiled side by side (``tile_sequences``).
"""

import numpy as np

from mathdl.vision.gif import write_gif

GREYS = 240
TRACK_COLOURS = np.array(
    [
        [230, 25, 25],
        [25, 150, 240],
        [50, 205, 50],
        [255, 150, 0],
        [190, 75, 230],
        [240, 230, 25],
        [0, 215, 205],
        [255, 100, 180],
        [150, 90, 40],
        [128, 128, 255],
        [170, 255, 195],
        [128, 128, 0],
        [255, 215, 180],
        [0, 128, 128],
        [255, 255, 255],
        [128, 0, 0],
    ],
    dtype=np.uint8,
)
_DIGITS = (
    "111101101101111",
    "010110010010111",
    "111001111100111",
    "111001111001111",
    "101101111001001",
    "111100111001111",
    "111100111101111",
    "111001001001001",
    "111101111101111",
    "111101111001111",
)
DIGIT_FONT = np.array([[int(bit) for bit in digits] for digits in _DIGITS], dtype=bool).reshape(10, 5, 3)


def palette():
    """(256, 3) uint8: 240 grey levels (black to white), then the 16 track colours."""
    grey = np.round(np.linspace(0, 255, GREYS)).astype(np.uint8)
    return np.concatenate([np.repeat(grey[:, None], 3, axis=1), TRACK_COLOURS])


def grey_indices(frames, scale):
    """(T, H, W) or (T, 1, H, W) values in [0, 1] → (T, sH, sW) uint8 palette indices 0-239."""
    array = np.asarray(getattr(frames, "array", frames), dtype=np.float64)
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3:
        raise ValueError(f"write_tracking_gif: frames must be (T, H, W) or (T, 1, H, W), got {array.shape}")
    indices = np.round(np.clip(array, 0, 1) * (GREYS - 1)).astype(np.uint8)
    return np.repeat(np.repeat(indices, scale, axis=1), scale, axis=2)


def draw_text(canvas, text, x, y, colour, size=2):
    """Write the digits of ``text`` (other characters are skipped) into ``canvas`` (H, W) with top-left
    corner (x, y), each font pixel ``size`` × ``size``; clipped to the canvas."""
    height, width = canvas.shape
    for position, character in enumerate(c for c in str(text) if c.isdigit()):
        glyph = np.kron(DIGIT_FONT[int(character)], np.ones((size, size), dtype=bool))
        left = x + position * 4 * size
        rows, cols = np.nonzero(glyph)
        rows, cols = rows + y, cols + left
        inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
        canvas[rows[inside], cols[inside]] = colour


def draw_box(canvas, box, colour, scale):
    """A one-pixel outline of the xyxy ``box`` (in frame pixels) on the enlarged ``canvas``."""
    height, width = canvas.shape
    x1, y1, x2, y2 = np.round(np.asarray(box, dtype=np.float64) * scale).astype(int)
    x1, x2 = np.clip([x1, x2 - 1], 0, width - 1)
    y1, y2 = np.clip([y1, y2 - 1], 0, height - 1)
    canvas[y1, x1 : x2 + 1] = canvas[y2, x1 : x2 + 1] = colour
    canvas[y1 : y2 + 1, x1] = canvas[y1 : y2 + 1, x2] = colour


def tracking_frames(frames, tracks, scale=4):
    """Palette-index frames (T, sH, sW) uint8 with the tracks drawn: ``tracks`` a list of T dicts
    ``boxes`` (k, 4) xyxy and ``track_ids`` (k,); a track's colour is TRACK_COLOURS[id mod 16]."""
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or not 1 <= scale <= 16:
        raise ValueError(f"tracking_frames: scale must be an int in [1, 16], got {scale!r}")
    canvases = grey_indices(frames, scale)
    if len(tracks) != len(canvases):
        raise ValueError(f"tracking_frames: {len(canvases)} frames but {len(tracks)} track entries")
    for canvas, entry in zip(canvases, tracks):
        boxes = np.asarray(entry["boxes"], dtype=np.float64).reshape(-1, 4)
        for box, track_id in zip(boxes, np.asarray(entry["track_ids"]).ravel()):
            colour = GREYS + int(track_id) % len(TRACK_COLOURS)
            draw_box(canvas, box, colour, scale)
            top = int(round(box[1] * scale)) - 12
            draw_text(canvas, int(track_id), int(round(box[0] * scale)), max(top, 0), colour)
    return canvases


def tile_sequences(sequences, columns=4, gap=4):
    """Tile equally long index animations (each (T, h, w)) into one (T, H, W), row-major, separated
    by ``gap`` black pixels."""
    count = len(sequences)
    if count == 0:
        raise ValueError("tile_sequences: no sequences")
    frames, height, width = sequences[0].shape
    if any(s.shape != sequences[0].shape for s in sequences):
        raise ValueError(f"tile_sequences: sequences differ in shape: {[s.shape for s in sequences]}")
    columns = min(columns, count)
    rows = -(-count // columns)
    out = np.zeros((frames, rows * (height + gap) - gap, columns * (width + gap) - gap), dtype=np.uint8)
    for k, sequence in enumerate(sequences):
        top, left = (k // columns) * (height + gap), (k % columns) * (width + gap)
        out[:, top : top + height, left : left + width] = sequence
    return out


def write_tracking_gif(frames, tracks, path, scale=4, delay=120):
    """Write an animated GIF of ``frames`` (T, 1, H, W) with ``tracks`` (T dicts ``boxes``,
    ``track_ids``) drawn; or, given lists of sequences, all of them tiled. Returns the path."""
    if isinstance(frames, (list, tuple)):
        if len(frames) != len(tracks):
            raise ValueError(f"write_tracking_gif: {len(frames)} sequences but {len(tracks)} track lists")
        drawn = tile_sequences([tracking_frames(f, t, scale) for f, t in zip(frames, tracks)])
    else:
        drawn = tracking_frames(frames, tracks, scale)
    return write_gif(drawn, palette(), path, delay=delay)
