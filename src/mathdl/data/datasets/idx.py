"""The IDX file format of MNIST and Fashion-MNIST (LeCun et al.), plain or gzip-compressed.

Layout, all integers big-endian::

    bytes 0-1   0x00 0x00
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions D (>= 1)
    then        D unsigned 32-bit sizes d_1 .. d_D
    then        d_1 * ... * d_D elements, row-major (C order)

Images of MNIST are ``idx3`` (N, 28, 28) uint8, labels ``idx1`` (N,) uint8.
"""

import gzip
import os
import struct
import zlib

import numpy as np

from mathdl.io import atomic_write

IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """The file is not a valid IDX file (foreign, truncated or damaged); the message says why."""


def _open(path):
    with open(path, "rb") as probe:
        compressed = probe.read(2) == _GZIP_MAGIC
    return (gzip.open(path, "rb") if compressed else open(path, "rb")), compressed


def _read_exact(stream, count):
    data = stream.read(count)
    return data if data is not None else b""


def _read_header(stream, path, kind):
    """The element dtype and shape an IDX header declares (IDXError naming what is wrong)."""
    header = _read_exact(stream, 4)
    if len(header) < 4:
        raise IDXError(
            f"read_idx: {path} is too short to be an {kind} file ({len(header)} header bytes, need 4)"
        )
    if header[:2] != b"\x00\x00":
        raise IDXError(
            f"read_idx: {path} is not an {kind} file: magic number starts with "
            f"{header[:2].hex()} instead of 0000"
        )
    code, ndim = header[2], header[3]
    if code not in IDX_DTYPES:
        raise IDXError(
            f"read_idx: {path} has unknown element type 0x{code:02X}; allowed: "
            + ", ".join(f"0x{c:02X} ({d.name})" for c, d in IDX_DTYPES.items())
        )
    if ndim == 0:
        raise IDXError(f"read_idx: {path} declares 0 dimensions")
    dims_bytes = _read_exact(stream, 4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise IDXError(
            f"read_idx: {path} is truncated inside its header ({ndim} "
            f"dimensions declared, {len(dims_bytes) // 4} present)"
        )
    return IDX_DTYPES[code], struct.unpack(f">{ndim}I", dims_bytes)


def _read_data(stream, path, dtype, shape):
    """Exactly the declared data bytes, read into a new array (IDXError if fewer or more)."""
    array = np.empty(shape, dtype=dtype)
    view = memoryview(array.reshape(-1).view(np.uint8))
    got = 0
    while got < array.nbytes:
        count = stream.readinto(view[got:])
        if not count:
            break
        got += count
    if got < array.nbytes:
        raise IDXError(
            f"read_idx: {path} is truncated: header declares shape {shape} "
            f"({array.nbytes} data bytes) but only {got} are present"
        )
    if stream.read(1):
        raise IDXError(
            f"read_idx: {path} has bytes after the {array.nbytes} data bytes "
            f"its header (shape {shape}) declares"
        )
    return array


def read_idx(path):
    """Read an IDX file (``.gz`` or plain; gzip is detected from the content) into an array.

    Returns a native-endian, writable array of the dtype and shape the header declares. Raises
    ``FileNotFoundError`` if the file is missing and ``IDXError`` (a ValueError) naming the path
    and the problem when the magic number, element type, dimensions or data length are wrong.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_idx: no such file: {path}")
    stream, compressed = _open(path)
    kind = "gzip-compressed IDX" if compressed else "IDX"
    try:
        with stream:
            dtype, shape = _read_header(stream, path, kind)
            array = _read_data(stream, path, dtype, shape)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise IDXError(f"read_idx: {path} is a damaged gzip file ({error})") from None
    return array.astype(dtype.newbyteorder("="), copy=False)


def write_idx(path, array):
    """Write ``array`` as an IDX file (gzip-compressed when ``path`` ends in ``.gz``), atomically.

    The dtype must be one IDX can hold (uint8, int8, int16, int32, float32, float64) and the array
    at least 1-D with every dimension < 2**32.
    """
    path = os.fspath(path)
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise TypeError(
            f"write_idx: IDX cannot hold dtype {array.dtype}; allowed: "
            + ", ".join(d.name for d in IDX_DTYPES.values())
        )
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"write_idx: IDX needs 1 to 255 dimensions, got shape {array.shape}")
    if any(d >= 2**32 for d in array.shape):
        raise ValueError(f"write_idx: every dimension must be < 2**32, got shape {array.shape}")
    code = codes[native]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    with atomic_write(path) as raw:
        if path.endswith(".gz"):
            # mtime=0 and no file name make the bytes a function of the data alone.
            with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as stream:
                stream.write(header)
                stream.write(payload)
        else:
            raw.write(header)
            raw.write(payload)
