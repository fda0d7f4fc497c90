"""Window functions (as ``torch.*_window``), centring a window in an FFT frame, and the COLA/NOLA sums.

A window w[n], n = 0..N-1, tapers a frame before its DFT so the frame's edges do not leak energy
across frequencies. ``periodic=True`` (PyTorch's default, and what an STFT wants) returns the first
N points of the symmetric window of length N + 1, so shifted copies tile evenly:

    hann      w[n] = 0.5 − 0.5 cos(2πn/M)
    hamming   w[n] = 0.54 − 0.46 cos(2πn/M)
    blackman  w[n] = 0.42 − 0.5 cos(2πn/M) + 0.08 cos(4πn/M)
    bartlett  w[n] = 1 − |2n/M − 1|
    kaiser    w[n] = I₀(β √(1 − (2n/M − 1)²)) / I₀(β)

with M = N for a periodic window and M = N − 1 for a symmetric one.

Overlap-add with hop H reconstructs exactly when Σ_t w(n − tH) is constant (COLA, for analysis
windows alone) or, for the weighted overlap-add that ``istft`` uses, when Σ_t w²(n − tH) never
vanishes (NOLA); ``istft`` divides by that sum (``window_sumsquare``).
"""

import numpy as np

from mathdl.backend import get_default_dtype

WINDOWS = ("hann", "hamming", "blackman", "bartlett", "kaiser", "rectangular")


def _window_grid(window_length, periodic, dtype, where):
    if isinstance(window_length, bool) or not isinstance(window_length, (int, np.integer)):
        raise TypeError(f"{where}: window_length must be an int, got {type(window_length).__name__}")
    if window_length < 0:
        raise ValueError(f"{where}: window_length must be >= 0, got {window_length}")
    dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
    span = window_length if periodic else window_length - 1
    return np.arange(window_length, dtype=np.float64), span, dtype


def _cosine_sum(window_length, periodic, dtype, coefficients, where):
    """w[n] = Σ_k (−1)^k a_k cos(2πkn/M), the family of hann, hamming and blackman."""
    n, span, dtype = _window_grid(window_length, periodic, dtype, where)
    if window_length == 1:
        return np.ones(1, dtype=dtype)
    phase = 2.0 * np.pi * n / span
    w = sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))
    return np.asarray(w, dtype=dtype)


def hann_window(window_length, periodic=True, dtype=None):
    """The Hann window 0.5 − 0.5 cos(2πn/M) (as ``torch.hann_window``), shape (window_length,).

    >>> hann_window(4).tolist()
    [0.0, 0.5, 1.0, 0.5]
    """
    return _cosine_sum(window_length, periodic, dtype, (0.5, 0.5), "hann_window")


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, dtype=None):
    """The Hamming window α − β cos(2πn/M) (as ``torch.hamming_window``)."""
    return _cosine_sum(window_length, periodic, dtype, (alpha, beta), "hamming_window")


def blackman_window(window_length, periodic=True, dtype=None):
    """The Blackman window 0.42 − 0.5 cos(2πn/M) + 0.08 cos(4πn/M) (as ``torch.blackman_window``)."""
    return _cosine_sum(window_length, periodic, dtype, (0.42, 0.5, 0.08), "blackman_window")


def bartlett_window(window_length, periodic=True, dtype=None):
    """The triangular window 1 − |2n/M − 1| (as ``torch.bartlett_window``)."""
    n, span, dtype = _window_grid(window_length, periodic, dtype, "bartlett_window")
    if window_length == 1:
        return np.ones(1, dtype=dtype)
    return (1.0 - np.abs(2.0 * n / span - 1.0)).astype(dtype)


def kaiser_window(window_length, periodic=True, beta=12.0, dtype=None):
    """The Kaiser window I₀(β √(1 − (2n/M − 1)²)) / I₀(β) (as ``torch.kaiser_window``)."""
    n, span, dtype = _window_grid(window_length, periodic, dtype, "kaiser_window")
    if window_length == 1:
        return np.ones(1, dtype=dtype)
    ratio = 2.0 * n / span - 1.0
    return (np.i0(beta * np.sqrt(np.clip(1.0 - ratio**2, 0.0, None))) / np.i0(beta)).astype(dtype)


def get_window(window, window_length, dtype=None, where="get_window"):
    """A window as an array of length ``window_length``: from a name in ``WINDOWS`` (periodic), an
    array or Tensor of that length, or None (the rectangular window of ones, torch.stft's default)."""
    if window is None or (isinstance(window, str) and window in ("rectangular", "ones", "boxcar")):
        return np.ones(window_length, dtype=get_default_dtype() if dtype is None else dtype)
    if isinstance(window, str):
        makers = {
            "hann": hann_window,
            "hamming": hamming_window,
            "blackman": blackman_window,
            "bartlett": bartlett_window,
            "kaiser": kaiser_window,
        }
        if window not in makers:
            raise ValueError(f"{where}: unknown window {window!r}; known: {', '.join(WINDOWS)}")
        return makers[window](window_length, dtype=dtype)
    array = np.asarray(getattr(window, "array", window))
    if array.ndim != 1 or array.shape[0] != window_length:
        raise ValueError(
            f"{where}: the window must be 1-D of length win_length={window_length}, got shape {array.shape}"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: the window must be real, got dtype {array.dtype}")
    return array.astype(get_default_dtype() if dtype is None else dtype)


def pad_window(window, n_fft):
    """Centre a window of length win_length ≤ n_fft in a frame of n_fft samples (zeros either side;
    the left pad is (n_fft − win_length) // 2, as torch.stft and librosa do)."""
    left = (n_fft - window.shape[0]) // 2
    return np.pad(window, (left, n_fft - window.shape[0] - left))


def window_sumsquare(window, n_frames, hop_length, n_fft=None):
    """The overlap-added squared window Σ_t w²(n − tH) over ``n_frames`` frames, length
    n_fft + H (n_frames − 1): the denominator of weighted overlap-add (``istft``)."""
    window = np.asarray(window, dtype=np.float64)
    if n_fft is not None:
        window = pad_window(window, n_fft)
    n_fft = window.shape[0]
    total = np.zeros(n_fft + hop_length * (n_frames - 1))
    squared = window**2
    # n_fft / hop_length shifted copies per output sample: loop over the copies, not the samples.
    for offset in range(0, n_fft, hop_length):
        chunk = squared[offset : offset + hop_length]
        positions = offset + hop_length * np.arange(n_frames)
        index = positions[:, None] + np.arange(chunk.shape[0])
        total[index.reshape(-1)] += np.broadcast_to(chunk, index.shape).reshape(-1)
    return total


def is_cola(window, hop_length, tolerance=1e-10):
    """Whether shifted copies of ``window`` by ``hop_length`` sum to a constant (the COLA condition)."""
    window = np.asarray(window, dtype=np.float64)
    n_fft = window.shape[0]
    periods = -(-n_fft // hop_length)
    padded = np.pad(window, (0, periods * hop_length - n_fft))
    folded = padded.reshape(periods, hop_length).sum(axis=0)
    return bool(np.ptp(folded) <= tolerance * max(1.0, abs(folded.mean())))
