"""Reading and writing PNG images with the standard library (``zlib``, ``struct``) and NumPy.

mathdl depends on NumPy only; scikit-image (the ``images`` extra) and matplotlib (``plot``) can read
PNGs but are optional, so the ``upscale`` and ``stylize`` commands use this small codec instead.

A PNG file (RFC 2083 / ISO 15948) is an 8-byte signature and chunks ``length, type, data, CRC-32``:
``IHDR`` (width, height, bit depth, colour type, interlace), ``PLTE`` (palette), one or more
``IDAT`` (one zlib stream, cut anywhere) and ``IEND``. The decompressed stream holds one filter-type
byte per row followed by the row's bytes; with a = the byte bpp bytes to the left, b = the byte
above, c = above-left, the row was stored as x − predictor:

    0 None: 0     1 Sub: a     2 Up: b     3 Average: ⌊(a + b)/2⌋     4 Paeth: a, b or c,
                                            whichever is nearest to p = a + b − c (ties a, b, c)

all modulo 256. Reading supports bit depths 8 and 16 (and 1, 2, 4 for grey and palette images),
colour types grey, RGB, palette, grey + alpha and RGBA, without interlacing; alpha is dropped
(the images here are opaque). Writing stores 8-bit grey or RGB rows with filter 0 (zlib level 6).
None, Sub and Up are undone with whole-row NumPy operations; Average and Paeth depend on the
byte just decoded to their left, so those rows are decoded byte by byte (a Python loop over a
row: acceptable for reading a picture, not used on any training path).
"""

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type → samples per pixel


class PNGError(ValueError):
    """The file is not a PNG this reader understands (damaged, truncated or an unsupported kind)."""


def _chunks(data, path):
    if data[:8] != SIGNATURE:
        raise PNGError(f"{path}: not a PNG file (the signature is missing)")
    offset = 8
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        crc = data[offset + 8 + length : offset + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise PNGError(f"{path}: truncated {kind!r} chunk")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise PNGError(f"{path}: the {kind.decode('latin-1')} chunk fails its CRC check (damaged file)")
        yield kind, body
        if kind == b"IEND":
            return
        offset += 12 + length
    raise PNGError(f"{path}: no IEND chunk (truncated file)")


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _unfilter_slow(kind, row, prior, bpp):
    """Average (3) or Paeth (4): each byte needs the decoded byte bpp to its left."""
    out = bytearray(row)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b = int(prior[i])
        if kind == 3:
            out[i] = (out[i] + ((a + b) >> 1)) & 255
        else:
            c = int(prior[i - bpp]) if i >= bpp else 0
            out[i] = (out[i] + _paeth(a, b, c)) & 255
    return np.frombuffer(bytes(out), dtype=np.uint8)


def _unfilter(raw, height, stride, bpp, path):
    if len(raw) < height * (stride + 1):
        raise PNGError(f"{path}: the image data is shorter than {height} rows of {stride} bytes")
    rows = np.frombuffer(raw, dtype=np.uint8)[: height * (stride + 1)].reshape(height, stride + 1)
    out = np.empty((height, stride), dtype=np.uint8)
    prior = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, row = int(rows[y, 0]), rows[y, 1:]
        if kind == 0:
            out[y] = row
        elif kind == 1:  # Sub: a running sum along the row, per byte of the pixel
            padded = np.zeros(-(-stride // bpp) * bpp, dtype=np.int64)
            padded[:stride] = row
            out[y] = np.cumsum(padded.reshape(-1, bpp), axis=0).reshape(-1)[:stride] & 255
        elif kind == 2:
            out[y] = row + prior  # uint8 arithmetic wraps modulo 256
        elif kind in (3, 4):
            out[y] = _unfilter_slow(kind, row, prior, bpp)
        else:
            raise PNGError(f"{path}: unknown filter type {kind} on row {y}")
        prior = out[y]
    return out


def _header(body, path):
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    if colour not in CHANNELS or compression or filtering:
        raise PNGError(f"{path}: unsupported PNG (colour type {colour}, compression {compression})")
    allowed = (1, 2, 4, 8, 16) if colour == 0 else ((1, 2, 4, 8) if colour == 3 else (8, 16))
    if depth not in allowed:
        raise PNGError(f"{path}: bit depth {depth} is not valid for colour type {colour}")
    if interlace:
        raise PNGError(f"{path}: interlaced (Adam7) PNGs are not supported; save it without interlacing")
    if width == 0 or height == 0:
        raise PNGError(f"{path}: empty image ({width} × {height})")
    return width, height, depth, colour


def _samples(rows, width, depth, channels):
    """Unfiltered rows → (H, W, channels) integer samples."""
    height = rows.shape[0]
    if depth == 16:
        return rows.view(">u2").reshape(height, width, channels).astype(np.uint16)
    if depth == 8:
        return rows.reshape(height, width, channels)
    bits = np.unpackbits(rows, axis=1).reshape(height, -1, depth)
    values = (bits * (1 << np.arange(depth - 1, -1, -1))).sum(axis=2)
    return values[:, :width, None].astype(np.uint8)


def read_png(path):
    """The image in ``path`` as float32 in [0, 1]: (H, W) for grey, (H, W, 3) for colour (alpha dropped)."""
    with open(path, "rb") as handle:
        data = handle.read()
    header, palette, compressed = None, None, []
    for kind, body in _chunks(data, path):
        if kind == b"IHDR":
            header = _header(body, path)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            compressed.append(body)
    if header is None or not compressed:
        raise PNGError(f"{path}: missing IHDR or IDAT chunk")
    width, height, depth, colour = header
    channels = CHANNELS[colour]
    try:
        raw = zlib.decompress(b"".join(compressed))
    except zlib.error as error:
        raise PNGError(f"{path}: the image data is not a valid zlib stream ({error})") from None
    bits_per_pixel = depth * channels
    stride = -(-width * bits_per_pixel // 8)
    rows = _unfilter(raw, height, stride, max(bits_per_pixel // 8, 1), path)
    samples = _samples(rows, width, depth, channels)
    if colour == 3:
        if palette is None:
            raise PNGError(f"{path}: a palette image without a PLTE chunk")
        if samples.max() >= len(palette):
            raise PNGError(f"{path}: a pixel indexes past the {len(palette)}-colour palette")
        return palette[samples[..., 0]].astype(np.float32) / np.float32(255.0)
    peak = np.float32(2**depth - 1)
    image = samples.astype(np.float32) / peak
    if colour in (0, 4):
        return image[..., 0]
    return image[..., :3]


def _png_bytes(image):
    """Encode an (H, W) or (H, W, 3) image of floats in [0, 1] (clipped) or uint8 as PNG bytes."""
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3) or 0 in array.shape:
        raise ValueError(f"write_png: expected an (H, W) or (H, W, 3) image, got shape {array.shape}")
    if array.dtype == np.uint8:
        pixels = array
    elif array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            raise ValueError("write_png: the image has NaN or infinite values")
        pixels = np.round(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)
    else:
        raise TypeError(f"write_png: expected floats in [0, 1] or uint8, got dtype {array.dtype}")
    height, width = pixels.shape[:2]
    colour = 0 if pixels.ndim == 2 else 2
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, -1)], axis=1)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (
        SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def write_png(path, image, overwrite=False):
    """Write an (H, W) grey or (H, W, 3) RGB image (floats in [0, 1], clipped and rounded to 8 bits,
    or uint8) to ``path`` atomically. An existing file is kept (FileExistsError) unless ``overwrite``."""
    import os

    from mathdl.io import atomic_write

    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"write_png: {path} exists; choose another name or pass overwrite=True")
    data = _png_bytes(image)
    with atomic_write(path) as handle:
        handle.write(data)
    return path
