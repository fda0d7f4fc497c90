"""A small animated-GIF writer (GIF89a with LZW compression) using only NumPy and the standard library.

    write_gif(frames, palette, "out.gif", delay=100)    # frames (T, H, W) uint8 palette indices

Why our own: matplotlib is optional in mathdl and its GIF writer needs Pillow; this file is the whole
format. A GIF holds a 256-colour palette and, per frame, the palette indices compressed by LZW
(Welch 1984) with variable-width codes:

* codes 0-255 are the single indices, 256 = CLEAR (reset the table), 257 = END; new strings get
  258, 259, …;
* the encoder extends the current string ω with the next index k while ωk is in the table; when it is
  not, it emits the code of ω, adds ωk as the next code, and restarts from k;
* codes are written least-significant bit first, 9 bits wide at first, one bit wider each time the next
  code to be added reaches 2^width, at most 12 bits: when the table is full (4096 codes) a CLEAR is sent
  and the table starts again;
* the bytes go out in sub-blocks of at most 255 bytes, each preceded by its length, ended by a 0.

The file: header ``GIF89a``, the logical screen (width, height, a global palette of 256 colours), the
NETSCAPE2.0 extension (loop forever), then per frame a graphic control extension (its delay in 1/100 s),
an image descriptor and the LZW data; ``;`` ends the file. Written to a temporary file and renamed.
"""

import os
import struct

import numpy as np

CLEAR, END, FIRST_FREE, MAX_CODES = 256, 257, 258, 4096


def lzw_encode(indices):
    """LZW-compress a sequence of byte values (0-255) with GIF's code layout (minimum code size 8):
    returns the packed bytes (without the sub-block framing)."""
    output = bytearray()
    buffer = bits = 0
    width = 9

    def emit(code):
        nonlocal buffer, bits
        buffer |= code << bits
        bits += width
        while bits >= 8:
            output.append(buffer & 0xFF)
            buffer >>= 8
            bits -= 8

    table = {}
    next_code = FIRST_FREE
    emit(CLEAR)
    data = bytes(np.asarray(indices, dtype=np.uint8).ravel())
    if not data:
        emit(END)
        return bytes(output + (bytes([buffer]) if bits else b""))
    current = data[0]
    for value in data[1:]:
        key = (current, value)
        code = table.get(key)
        if code is not None:
            current = code
            continue
        emit(current)
        if next_code < MAX_CODES:
            table[key] = next_code
            next_code += 1
            if next_code > (1 << width) and width < 12:
                width += 1
        else:
            emit(CLEAR)
            table.clear()
            next_code, width = FIRST_FREE, 9
        current = value
    emit(current)
    emit(END)
    if bits:
        output.append(buffer & 0xFF)
    return bytes(output)


def _sub_blocks(data):
    pieces = [bytes([len(data[i : i + 255])]) + data[i : i + 255] for i in range(0, len(data), 255)]
    return b"".join(pieces) + b"\x00"


def _check(frames, palette):
    frames = np.asarray(frames)
    if frames.ndim == 2:
        frames = frames[None]
    if frames.ndim != 3 or frames.shape[0] == 0 or frames.shape[1] == 0 or frames.shape[2] == 0:
        raise ValueError(
            f"write_gif: frames must be (T, H, W) palette indices with T, H, W > 0, got {frames.shape}"
        )
    if frames.dtype != np.uint8:
        raise TypeError(f"write_gif: frames must be uint8 palette indices, got {frames.dtype}")
    if max(frames.shape[1:]) > 65535:
        raise ValueError(f"write_gif: a GIF side is at most 65535 pixels, got {frames.shape[1:]}")
    palette = np.asarray(palette)
    if palette.shape != (256, 3) or palette.dtype != np.uint8:
        raise ValueError(f"write_gif: palette must be uint8 (256, 3), got {palette.dtype} {palette.shape}")
    return frames, palette


def gif_bytes(frames, palette, delay=100, loop=0):
    """The bytes of an animated GIF: ``frames`` (T, H, W) uint8 indices into ``palette`` (256, 3) uint8
    RGB; ``delay`` per frame in milliseconds (stored in 1/100 s); ``loop`` repetitions (0: forever)."""
    frames, palette = _check(frames, palette)
    _, height, width = frames.shape
    parts = [b"GIF89a", struct.pack("<HHBBB", width, height, 0xF7, 0, 0), palette.tobytes()]
    parts.append(b"\x21\xff\x0bNETSCAPE2.0" + struct.pack("<BBHB", 3, 1, int(loop), 0))
    hundredths = max(int(round(delay / 10)), 1)
    for frame in frames:
        parts.append(struct.pack("<BBBBHBB", 0x21, 0xF9, 4, 0x04, hundredths, 0, 0))
        parts.append(b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0))
        parts.append(bytes([8]) + _sub_blocks(lzw_encode(frame)))
    parts.append(b"\x3b")
    return b"".join(parts)


def write_gif(frames, palette, path, delay=100, loop=0):
    """Write ``gif_bytes(frames, palette, delay, loop)`` to ``path`` atomically; returns the path."""
    data = gif_bytes(frames, palette, delay, loop)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    temporary = f"{path}.tmp-{os.getpid()}"
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path
