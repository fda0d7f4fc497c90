"""Changing the sample rate with a windowed-sinc polyphase filter (no SciPy needed).

Resampling from rate r_in to r_out = r_in · L / M (L/M in lowest terms) evaluates the band-limited
interpolation of x at the output instants τ_m = m M / L (in input samples):

    y[m] = Σ_n x[n] h(τ_m − n),   h(t) = c · sinc(c t) · w(t c / Z),

a low-pass sinc with cutoff c = rolloff · min(1, L/M) of the input Nyquist frequency (so that
nothing above the output's Nyquist frequency folds back), truncated to Z zero crossings on each side
by a Kaiser window w (β sets the stop-band attenuation, about 8.6 → 80 dB). The fractional part of
τ_m takes only L values, so the taps form a bank of L filters (the polyphase decomposition), and
every output sample is one row of a (n_out, taps) gather times its phase's filter.
"""

from math import gcd

import numpy as np


def _kernel_bank(up, down, zeros, rolloff, beta):
    """(up, taps) filter bank H[p, j] = h(p/up − o_j) and the tap offsets o_j."""
    cutoff = rolloff * min(1.0, up / down)
    half = int(np.ceil(zeros / cutoff))
    offsets = np.arange(-half + 1, half + 1)
    t = np.arange(up)[:, None] / up - offsets[None, :]
    ratio = np.clip(t * cutoff / zeros, -1.0, 1.0)
    window = np.i0(beta * np.sqrt(1.0 - ratio**2)) / np.i0(beta)
    return cutoff * np.sinc(cutoff * t) * window, offsets


def resample(x, orig_sr, target_sr, zeros=32, rolloff=0.945, beta=8.6):
    """Resample ``x`` (..., n) from ``orig_sr`` to ``target_sr`` along the last axis (NumPy, float64 math).

    Output length ceil(n · target_sr / orig_sr); the dtype of a float input is kept (ints become float64).

    >>> t = np.arange(22050) / 22050
    >>> y = resample(np.sin(2 * np.pi * 440 * t), 22050, 8000)
    >>> y.shape, bool(np.abs(y[100:-100] - np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)[100:-100]).max() < 1e-3)
    ((8000,), True)
    """
    for name, rate in (("orig_sr", orig_sr), ("target_sr", target_sr)):
        if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
            raise ValueError(f"resample: {name} must be a positive int, got {rate!r}")
    if not 0 < rolloff <= 1:
        raise ValueError(f"resample: rolloff must be in (0, 1], got {rolloff}")
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    if x.ndim == 0:
        raise ValueError("resample: x must have at least one dimension")
    if orig_sr == target_sr:
        return x.astype(dtype, copy=True)
    common = gcd(int(orig_sr), int(target_sr))
    up, down = int(target_sr) // common, int(orig_sr) // common
    bank, offsets = _kernel_bank(up, down, zeros, rolloff, beta)
    n = x.shape[-1]
    n_out = -(-n * up // down)
    position = np.arange(n_out) * down
    base, phase = position // up, position % up
    margin = offsets.size
    padded = np.pad(x.astype(np.float64), [(0, 0)] * (x.ndim - 1) + [(margin, margin)])
    index = base[:, None] + offsets[None, :] + margin
    return np.einsum("...mj,mj->...m", padded[..., index], bank[phase]).astype(dtype)
