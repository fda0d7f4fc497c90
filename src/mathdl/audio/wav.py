"""WAV files with the standard library's ``wave`` module: 16-bit PCM, one channel.

A PCM WAV file stores samples as little-endian signed integers after a RIFF header; 16-bit samples
s ∈ [−32768, 32767] stand for s / 32768 ∈ [−1, 1). ``read_wav`` returns float32 in [−1, 1) (or the
raw int16); ``write_wav`` stores round(32768 · x) clipped to [−32768, 32767], so s / 32768 comes back
exactly and any float returns within half a step (1/65536)
and writes the file atomically (through a temporary file and ``os.replace``).
Other sample widths, several channels and non-PCM encodings (e.g. IEEE float, μ-law) raise
ValueError saying what the file holds.
"""

import os
import wave

import numpy as np

from mathdl.io import atomic_write

_WIDTH_NAMES = {1: "8-bit", 2: "16-bit", 3: "24-bit", 4: "32-bit"}
_FORMAT_NAMES = {3: "IEEE float", 6: "A-law", 7: "μ-law", 0xFFFE: "extensible"}


def _format_tag(path):
    """The WAVE format tag of the 'fmt ' chunk (1 = PCM), read directly for the error message."""
    with open(path, "rb") as stream:
        header = stream.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return None
        while True:
            chunk = stream.read(8)
            if len(chunk) < 8:
                return None
            size = int.from_bytes(chunk[4:8], "little")
            if chunk[:4] == b"fmt ":
                return int.from_bytes(stream.read(2), "little")
            stream.seek(size + (size & 1), os.SEEK_CUR)


def read_wav(path, dtype="float32"):
    """Read a 16-bit PCM mono WAV file: ``(samples (n,), sample_rate)``.

    ``dtype``: "float32" or "float64" (s / 32768, in [−1, 1)) or "int16" (the stored integers).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> write_wav(path, np.array([0.0, 0.5, -0.5]), 8000)
    >>> read_wav(path, "int16")[0].tolist(), read_wav(path)[1]
    ([0, 16384, -16384], 8000)
    """
    if np.dtype(dtype) not in (np.float32, np.float64, np.int16):
        raise ValueError(f"read_wav: dtype must be float32, float64 or int16, got {dtype!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_wav: no such file {path}")
    try:
        with wave.open(os.fspath(path), "rb") as reader:
            channels, width, rate = reader.getnchannels(), reader.getsampwidth(), reader.getframerate()
            if width != 2:
                raise ValueError(
                    f"read_wav: {path} holds {_WIDTH_NAMES.get(width, f'{8 * width}-bit')} samples; "
                    f"only 16-bit PCM is supported"
                )
            if channels != 1:
                raise ValueError(f"read_wav: {path} has {channels} channels; only mono is supported")
            raw = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        tag = _format_tag(path)
        if tag is None:
            raise ValueError(f"read_wav: {path} is not a WAV (RIFF/WAVE) file ({error})") from None
        kind = _FORMAT_NAMES.get(tag, f"format tag {tag}")
        raise ValueError(
            f"read_wav: {path} is encoded as {kind}, not PCM; only 16-bit PCM is supported ({error})"
        ) from None
    samples = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2")
    if np.dtype(dtype) == np.int16:
        return samples.astype(np.int16), rate
    return (samples / 32768.0).astype(dtype), rate


def to_int16(samples):
    """Float samples in [−1, 1] → int16 round(32768 x) clipped to [−32768, 32767]; int16 passes through."""
    samples = np.asarray(getattr(samples, "array", samples))
    if samples.dtype == np.int16:
        return samples
    if samples.dtype.kind in "iu":
        raise TypeError(f"to_int16: integer samples must be int16, got {samples.dtype}")
    if samples.dtype.kind != "f":
        raise TypeError(f"to_int16: samples must be floats in [-1, 1] or int16, got {samples.dtype}")
    if not np.isfinite(samples).all():
        raise ValueError("to_int16: samples contain NaN or infinity")
    return np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32768.0), -32768, 32767).astype(np.int16)


def write_wav(path, samples, sample_rate):
    """Write mono ``samples`` (n,) as a 16-bit PCM WAV file at ``sample_rate`` Hz, atomically.

    Floats are taken to lie in [−1, 1] (values outside are clipped); int16 is written as is.
    """
    samples = to_int16(samples)
    if samples.ndim != 1:
        raise ValueError(f"write_wav: samples must be mono (n,), got shape {samples.shape}")
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise ValueError(f"write_wav: sample_rate must be a positive int, got {sample_rate!r}")
    with atomic_write(path) as stream:
        with wave.open(stream, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(int(sample_rate))
            writer.writeframes(samples.astype("<i2").tobytes())
