"""The mel scale, mel filterbanks and mel spectrograms, and decibels, as librosa computes them.

The mel scale spaces frequencies as listeners judge pitch distances. Two definitions are in use:

    HTK     m = 2595 log₁₀(1 + f / 700)
    Slaney  m = 3 f / 200 below 1 kHz;  m = 15 + 27 ln(f / 1000) / ln 6.4 above (linear, then logarithmic)

A filterbank has n_mels triangles whose corners sit at n_mels + 2 points equally spaced in mel
between fmin and fmax: filter i rises from corner i to corner i+1 and falls to corner i+2,
evaluated at the FFT bin frequencies k·sr/n_fft. With ``norm="slaney"`` each triangle is scaled by
2 / (f_{i+2} − f_i) so it has unit area (constant energy per filter); a number p divides each row by
its p-norm. A mel spectrogram is M = F · |STFT|^power (a matrix product, differentiable).

Decibels: power_to_db(S) = 10 log₁₀(max(amin, S)) − 10 log₁₀(max(amin, ref)), floored at
max − top_db; amplitude_to_db(A) = power_to_db(A², ref², amin², top_db).
"""

import numpy as np

from mathdl.audio.stft import spectrogram
from mathdl.autograd.tensor import Tensor
from mathdl.ops import log, matmul, maximum
from mathdl.ops import max as tensor_max

_F_SP = 200.0 / 3  # Slaney: Hz per mel below 1 kHz
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(frequencies, htk=False):
    """Hz → mel (HTK or Slaney's scale, as ``librosa.hz_to_mel``)."""
    f = np.asarray(frequencies, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    linear = f / _F_SP
    with np.errstate(divide="ignore"):
        logarithmic = _MIN_LOG_MEL + np.log(np.maximum(f, 1e-300) / _MIN_LOG_HZ) / _LOG_STEP
    return np.where(f >= _MIN_LOG_HZ, logarithmic, linear)


def mel_to_hz(mels, htk=False):
    """mel → Hz, the inverse of ``hz_to_mel``."""
    m = np.asarray(mels, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    return np.where(m >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOG_STEP * (m - _MIN_LOG_MEL)), _F_SP * m)


def mel_frequencies(n_mels, fmin=0.0, fmax=11025.0, htk=False):
    """``n_mels`` frequencies (Hz) equally spaced on the mel scale from fmin to fmax."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels), htk)


def fft_frequencies(sr, n_fft):
    """The frequencies k·sr/n_fft (Hz) of the one-sided DFT bins k = 0..n_fft//2."""
    return np.arange(n_fft // 2 + 1) * (float(sr) / n_fft)


def mel_filterbank(sr, n_fft, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney", dtype=np.float32):
    """The (n_mels, n_fft//2 + 1) triangular mel filterbank, equal to ``librosa.filters.mel``.

    ``norm``: "slaney" (unit-area triangles), None (peak 1), or a number p (rows of unit p-norm).

    >>> mel_filterbank(8000, 256, n_mels=40).shape
    (40, 129)
    """
    fmax = float(sr) / 2 if fmax is None else float(fmax)
    if sr <= 0 or n_fft <= 0 or n_mels <= 0:
        raise ValueError(
            f"mel_filterbank: sr, n_fft and n_mels must be positive, got {sr}, {n_fft}, {n_mels}"
        )
    if not 0 <= fmin < fmax:
        raise ValueError(f"mel_filterbank: need 0 <= fmin < fmax, got fmin={fmin}, fmax={fmax}")
    corners = mel_frequencies(n_mels + 2, fmin, fmax, htk)
    widths = np.diff(corners)
    ramps = corners[:, None] - fft_frequencies(sr, n_fft)[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    if norm == "slaney":
        weights *= (2.0 / (corners[2:] - corners[:-2]))[:, None]
    elif norm is not None:
        if isinstance(norm, str) or norm <= 0:
            raise ValueError(
                f"mel_filterbank: norm must be 'slaney', None or a positive number, got {norm!r}"
            )
        size = (
            np.max(np.abs(weights), axis=1)
            if np.isinf(norm)
            else np.sum(np.abs(weights) ** norm, axis=1) ** (1.0 / norm)
        )
        tiny = np.finfo(np.float32 if np.dtype(dtype) == np.float32 else np.float64).tiny
        weights = weights / np.where(size < tiny, 1.0, size)[:, None]
    return weights.astype(dtype)


def melspectrogram(
    y=None,
    sr=22050,
    S=None,
    n_fft=2048,
    hop_length=512,
    win_length=None,
    window="hann",
    center=True,
    pad_mode="constant",
    power=2.0,
    **mel_kwargs,
):
    """F · |STFT(y)|^power, (..., n_mels, frames), as ``librosa.feature.melspectrogram``; differentiable.

    Give either the signal ``y`` or a power spectrogram ``S`` (..., n_fft//2 + 1, frames) (then
    ``n_fft`` is inferred from it when it does not fit). ``mel_kwargs`` go to ``mel_filterbank``
    (n_mels, fmin, fmax, htk, norm). Note librosa's default pad_mode is "constant".

    >>> melspectrogram(y=np.zeros(8000), sr=8000, n_fft=256, hop_length=80, n_mels=40).shape
    (40, 101)
    """
    if S is None:
        if y is None:
            raise ValueError("melspectrogram: give the signal y or a spectrogram S")
        S = spectrogram(y, n_fft, hop_length, win_length, window, center, pad_mode, power)
    else:
        S = S if isinstance(S, Tensor) else Tensor(S)
        if n_fft is None or n_fft // 2 + 1 != S.shape[-2]:
            n_fft = 2 * (S.shape[-2] - 1)
    basis = mel_filterbank(sr, n_fft, dtype=S.dtype, **mel_kwargs)
    return matmul(Tensor(basis), S)


def _reference(S, ref):
    if ref is np.max or ref is max:
        return tensor_max(S)  # differentiable: the loudest bin is part of the function
    if callable(ref):
        value = ref(S)
        return value if isinstance(value, Tensor) else Tensor(np.asarray(value, dtype=S.dtype))
    return Tensor(np.asarray(abs(ref), dtype=S.dtype))


def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):
    """10 log₁₀(max(amin, S) / max(amin, ref)), floored at (its max − top_db), as ``librosa.power_to_db``.

    ``ref``: a number or a callable of S (``np.max`` gives the loudest bin, 0 dB); differentiable in S
    (also through ``ref=np.max`` and the top_db floor, which are functions of S).

    >>> power_to_db(np.array([1.0, 10.0, 100.0])).numpy().tolist()
    [0.0, 10.0, 20.0]
    """
    if amin <= 0:
        raise ValueError(f"power_to_db: amin must be strictly positive, got {amin}")
    if top_db is not None and top_db < 0:
        raise ValueError(f"power_to_db: top_db must be non-negative, got {top_db}")
    S = S if isinstance(S, Tensor) else Tensor(S)
    if S.dtype.kind != "f":
        raise TypeError(f"power_to_db: S must be a real floating array (take |X|**2 first), got {S.dtype}")
    floor = Tensor(np.asarray(amin, dtype=S.dtype))
    to_db = 10.0 / np.log(10.0)
    log_spec = log(maximum(S, floor)) * to_db - log(maximum(_reference(S, ref), floor)) * to_db
    if top_db is not None:
        log_spec = maximum(log_spec, tensor_max(log_spec) - top_db)
    return log_spec


def amplitude_to_db(S, ref=1.0, amin=1e-5, top_db=80.0):
    """20 log₁₀(max(amin, |S|) / ref) = power_to_db(S², ref², amin², top_db), as ``librosa.amplitude_to_db``."""
    S = S if isinstance(S, Tensor) else Tensor(S)
    if callable(ref):
        reference = _reference(S, ref)
        ref = lambda power: reference * reference  # noqa: E731  (a function of the power, as power_to_db expects)
    else:
        ref = abs(ref) ** 2
    return power_to_db(S * S, ref=ref, amin=amin**2, top_db=top_db)


def db_to_power(S_db, ref=1.0):
    """ref · 10^(S_db / 10), the inverse of ``power_to_db`` (without its floor)."""
    return ref * np.power(10.0, np.asarray(S_db) / 10.0)
