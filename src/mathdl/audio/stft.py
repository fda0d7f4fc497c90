"""The short-time Fourier transform and its inverse by weighted overlap-add, as ``torch.stft``/``torch.istft``.

stft: X[f, t] = Σ_{k=0}^{N−1} w[k] x_pad[tH + k] e^{−2πifk/N}, with N = n_fft, H = hop_length, w the
window centred in N samples and x_pad the signal padded by N/2 on both sides when ``center``.
It is the composition Frames → ×w → DFT, a linear map of x, so its gradient is the adjoint
composition DFTᵀ → ×w → OverlapAdd (the Functions of ``mathdl.ops.spectral``).

istft: frames y_t = w · irfft(X[:, t]) are overlap-added and divided by the window envelope
Σ_t w²(n − tH) (Griffin & Lim's least-squares inverse): x[n] = Σ_t w[n − tH] y_t[n − tH] / Σ_t w²[n − tH].
For any X that is an STFT this recovers the signal exactly where the envelope is non-zero (NOLA).
"""

import numpy as np

from mathdl.audio.complex import ComplexTensor, as_complex
from mathdl.audio.framing import PAD_MODES, frame_index, ola_index
from mathdl.audio.windows import get_window, pad_window, window_sumsquare
from mathdl.autograd.tensor import Tensor
from mathdl.ops import pad as pad_op
from mathdl.ops import swapaxes
from mathdl.ops.spectral import Frames, OverlapAdd, RealDFT, RealDFTAdjoint


def _positive_int(value, name, where):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{where}: {name} must be positive, got {value}")
    return int(value)


def _frame_settings(n_fft, hop_length, win_length, window, dtype, where):
    """Checked (n_fft, hop, the window padded to n_fft as an array of ``dtype``)."""
    n_fft = _positive_int(n_fft, "n_fft", where)
    hop_length = n_fft // 4 if hop_length is None else hop_length
    hop_length = _positive_int(hop_length, "hop_length", where)
    win_length = n_fft if win_length is None else _positive_int(win_length, "win_length", where)
    if win_length > n_fft:
        raise ValueError(f"{where}: win_length={win_length} must be <= n_fft={n_fft}")
    return n_fft, hop_length, pad_window(get_window(window, win_length, dtype, where), n_fft)


def _signal(x, where):
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(
            f"{where}: x must be a floating-point signal, got dtype {x.dtype} (int16 PCM: divide by 32768)"
        )
    if x.ndim == 0:
        raise ValueError(f"{where}: x must be a signal (..., L), got a scalar")
    return x


def stft(
    x,
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    pad_mode="reflect",
    normalized=False,
    onesided=True,
    return_complex=True,
):
    """Short-time Fourier transform of real ``x`` (L,) or (..., L), as ``torch.stft``; differentiable.

    Args:
        n_fft: the DFT size N (frame length). hop_length: H, default N // 4.
        win_length: window length (≤ N, centred in the frame), default N.
        window: an array/Tensor of length win_length, a name ("hann", ...), or None (ones, torch's default).
        center: pad N // 2 samples on both sides (``pad_mode`` "reflect", "constant", "replicate",
            "circular") so frame t is centred on sample tH.
        normalized: multiply by N^(−1/2). onesided: keep bins 0..N//2 (else all N).
        return_complex: a ComplexTensor (..., bins, frames); else a real Tensor (..., bins, frames, 2).

    Shapes: bins = N // 2 + 1 (onesided), frames = 1 + (L + 2·(N//2 if center) − N) // H.

    >>> X = stft(np.ones(16), n_fft=8, hop_length=4, window="hann")
    >>> X.shape, round(float(X.abs().numpy()[0, 2]), 6)
    ((5, 5), 4.0)
    """
    x = _signal(x, "stft")
    n_fft, hop_length, window = _frame_settings(n_fft, hop_length, win_length, window, x.dtype, "stft")
    if pad_mode not in PAD_MODES:
        raise ValueError(f"stft: pad_mode must be one of {PAD_MODES}, got {pad_mode!r}")
    length = x.shape[-1]
    pad = n_fft // 2 if center else 0
    if n_fft > length + 2 * pad:
        raise ValueError(
            f"stft: n_fft={n_fft} exceeds the signal length {length} (padded: {length + 2 * pad})"
        )
    try:
        index = frame_index(length, n_fft, hop_length, pad, pad_mode)
    except ValueError as error:
        raise ValueError(f"stft: {error}") from None
    frames = Frames(index, length)(x) * Tensor(window)
    real, imag = RealDFT(n_fft, onesided)(frames)
    if normalized:
        real, imag = real * (n_fft**-0.5), imag * (n_fft**-0.5)
    spectrum = ComplexTensor(swapaxes(real, -1, -2), swapaxes(imag, -1, -2))
    return spectrum if return_complex else spectrum.view_as_real()


def _inverse_frames(spectrum, n_fft, normalized):
    """irfft of every frame: (..., bins, T) → (..., T, N), as a Tensor.

    A two-sided spectrum is read through its first n_fft // 2 + 1 bins, as torch.istft does for a
    real output (the rest of a real signal's spectrum is their mirror image).
    """
    bins = n_fft // 2 + 1
    real = swapaxes(spectrum.real, -1, -2)[..., :bins]
    imag = swapaxes(spectrum.imag, -1, -2)[..., :bins]
    weights = np.ones(bins)
    weights[1 : bins if n_fft % 2 else bins - 1] = 2.0  # the bins that stand for k and N − k
    scale = n_fft**-0.5 if normalized else 1.0 / n_fft
    weights = Tensor((weights * scale).astype(real.dtype))
    return RealDFTAdjoint(n_fft, True)(real * weights, imag * weights)


def istft(
    spectrum,
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    normalized=False,
    onesided=None,
    length=None,
    return_complex=False,
):
    """Inverse STFT by weighted overlap-add, as ``torch.istft``; differentiable (a linear map).

    ``spectrum``: a ComplexTensor (or complex array) (..., bins, frames) as ``stft`` returns it.
    ``onesided`` defaults to bins != n_fft. ``length`` trims or zero-pads the output to that many
    samples. Returns a real Tensor (..., length). Raises ValueError when the window envelope
    Σ_t w²(n − tH) vanishes somewhere in the output (the NOLA condition fails).

    >>> x = np.random.default_rng(0).standard_normal(64)
    >>> X = stft(x, 16, window="hann")
    >>> bool(np.allclose(istft(X, 16, window="hann", length=64).numpy(), x))
    True
    """
    if return_complex:
        raise ValueError("istft: return_complex=True (complex signals) is not supported; signals are real")
    spectrum = as_complex(spectrum, where="istft")
    if spectrum.ndim < 2:
        raise ValueError(f"istft: the spectrum must be (..., bins, frames), got shape {spectrum.shape}")
    dtype = spectrum.real.dtype
    n_fft, hop_length, window = _frame_settings(n_fft, hop_length, win_length, window, dtype, "istft")
    bins, n_frames = spectrum.shape[-2:]
    onesided = bins != n_fft if onesided is None else bool(onesided)
    expected = n_fft // 2 + 1 if onesided else n_fft
    if bins != expected:
        raise ValueError(
            f"istft: expected {expected} frequency bins for n_fft={n_fft} "
            f"({'one' if onesided else 'two'}-sided), got {bins}"
        )
    frames = _inverse_frames(spectrum, n_fft, normalized) * Tensor(window)
    return _weighted_overlap_add(frames, window, hop_length, n_fft // 2 if center else 0, center, length)


def _weighted_overlap_add(frames, window, hop_length, start, center, length):
    """Σ_t w y_t(n − tH) / Σ_t w²(n − tH) on [start, end), zero-padded past the last frame."""
    n_frames, n_fft = frames.shape[-2:]
    full_length = n_fft + hop_length * (n_frames - 1)
    signal = OverlapAdd(ola_index(n_frames, n_fft, hop_length), full_length)(frames)
    if length is not None:
        end = start + _positive_int(length, "length", "istft")
    else:
        end = full_length - n_fft // 2 if center else full_length
    stop = min(end, full_length)
    envelope = window_sumsquare(window, n_frames, hop_length)[start:stop]
    if envelope.size and np.abs(envelope).min() < 1e-11:
        raise ValueError(
            "istft: the window overlap-add envelope is zero somewhere (NOLA fails): "
            "use a window that does not vanish at its ends with center=False, or a smaller hop_length"
        )
    signal = signal[..., start:stop] / Tensor(envelope.astype(frames.dtype))
    if end > full_length:
        signal = pad_op(signal, [(0, 0)] * (signal.ndim - 1) + [(0, end - full_length)])
    return signal


def spectrogram(
    x,
    n_fft,
    hop_length=None,
    win_length=None,
    window="hann",
    center=True,
    pad_mode="reflect",
    power=2.0,
    normalized=False,
):
    """|STFT(x)|^power (..., bins, frames), as ``torchaudio.functional.spectrogram``; differentiable.

    power = 2 is computed as Re² + Im² (smooth everywhere), power = 1 as |X| (gradient 0 at X = 0),
    other powers as |X|^power.

    >>> spectrogram(np.ones(32), n_fft=16, hop_length=4).shape
    (9, 9)
    """
    spectrum = stft(x, n_fft, hop_length, win_length, window, center, pad_mode, normalized, True, True)
    return magnitude(spectrum, power)


def magnitude(spectrum, power=1.0):
    """|X|^power of a ComplexTensor, differentiable (power 2: Re² + Im², no square root).

    >>> magnitude(np.array([3 + 4j]), 2).numpy().tolist()
    [25.0]
    """
    spectrum = as_complex(spectrum, where="magnitude")
    if power == 2:
        return spectrum.real * spectrum.real + spectrum.imag * spectrum.imag
    if power <= 0:
        raise ValueError(f"magnitude: power must be positive, got {power}")
    modulus = spectrum.abs()
    return modulus if power == 1 else modulus**power
