"""Griffin-Lim: a signal whose STFT magnitude is a given |S|, by alternating projections.

Two sets of complex spectrograms: C₁ = {X : |X| = S} (the wanted magnitudes) and C₂ = {STFT(x)}
(the consistent ones, the image of the STFT). Their projections are

    P₁(X) = S · X / |X|              (keep the phase, impose the magnitude)
    P₂(X) = STFT(iSTFT(X))            (the least-squares signal, re-analysed)

Griffin & Lim (1984) iterate X ← P₁(P₂(X)), which never increases ‖|STFT(x)| − S‖. The fast
variant (Perraudin, Balazs & Søndergaard, 2013) adds momentum α:
    c_n = P₂(X_{n−1}),  t_n = c_n + α (c_n − c_{n−1}),  X_n = P₁(t_n).
Since only the phase of t_n is kept, t_n can be scaled by 1/(1 + α): c_n − α/(1 + α) c_{n−1},
the form librosa and torchaudio compute. α = 0 is the classic algorithm; α = 0.99 converges faster.

Progress is measured by the spectral convergence ‖S − |STFT(x)|‖_F / ‖S‖_F.
"""

import numpy as np

from mathdl.audio.stft import istft, stft
from mathdl.autograd.grad_mode import no_grad
from mathdl.random import generator


def spectral_convergence(magnitude, estimate):
    """‖S − Ŝ‖_F / ‖S‖_F for a target magnitude S and an estimate Ŝ (arrays of one shape)."""
    magnitude = np.asarray(magnitude, dtype=np.float64)
    estimate = np.asarray(estimate, dtype=np.float64)
    return float(np.linalg.norm(magnitude - estimate) / max(np.linalg.norm(magnitude), 1e-300))


def _initial_phase(shape, init, seed):
    if init == "random":
        rng = generator() if seed is None else np.random.default_rng(seed)
        return np.exp(2j * np.pi * rng.random(shape))
    if init in ("zeros", None):
        return np.ones(shape, dtype=np.complex128)
    raise ValueError(f"griffin_lim: init must be 'random' or 'zeros', got {init!r}")


def griffin_lim(
    magnitude,
    n_iter=32,
    n_fft=None,
    hop_length=None,
    window="hann",
    length=None,
    momentum=0.99,
    win_length=None,
    center=True,
    pad_mode="reflect",
    init="random",
    seed=None,
    return_convergence=False,
):
    """A real signal (..., length) whose STFT magnitude approximates ``magnitude`` (..., bins, frames).

    ``n_fft`` defaults to 2 (bins − 1); the STFT settings must be those that made the magnitude.
    ``momentum`` α ≥ 0 (0: Griffin-Lim 1984; 0.99: fast Griffin-Lim). ``init``: "random" phases
    (from ``seed``, else the global generator of ``mathdl.manual_seed``) or "zeros" (zero phase).
    With ``return_convergence`` also returns a list: the spectral convergence of the signal each
    iteration starts from (the first is that of the initial phases).
    Not differentiable: it is an iterative algorithm run on arrays (NumPy in, NumPy out).

    >>> t = np.arange(2048) / 8000
    >>> x = np.sin(2 * np.pi * 440 * t)
    >>> S = np.abs(stft(x, 256, 64, window="hann").numpy())
    >>> y, errors = griffin_lim(S, 50, 256, 64, length=2048, seed=0, return_convergence=True)
    >>> errors[-1] < 0.2 < errors[0]
    True
    """
    magnitude = _checked_magnitude(magnitude, momentum, n_iter)
    complex_dtype = np.result_type(magnitude.dtype, np.complex64)
    n_fft = 2 * (magnitude.shape[-2] - 1) if n_fft is None else n_fft
    settings = dict(hop_length=hop_length, win_length=win_length, window=window, center=center)
    if length is None:
        hop = n_fft // 4 if hop_length is None else hop_length
        length = hop * (magnitude.shape[-1] - 1) + (0 if center else n_fft)
    angles = _initial_phase(magnitude.shape, init, seed)
    previous = np.zeros_like(angles)
    errors = []
    with no_grad():
        for _ in range(n_iter):
            signal = istft((magnitude * angles).astype(complex_dtype), n_fft, length=length, **settings)
            rebuilt = stft(
                signal, n_fft, pad_mode=pad_mode, **settings
            ).numpy()  # P₂: the nearest consistent X
            errors.append(spectral_convergence(magnitude, np.abs(rebuilt)))
            accelerated = rebuilt - (momentum / (1.0 + momentum)) * previous
            angles = accelerated / np.maximum(np.abs(accelerated), 1e-16)  # P₁ keeps only the phase
            previous = rebuilt
        signal = istft((magnitude * angles).astype(complex_dtype), n_fft, length=length, **settings).array
    return (signal, errors) if return_convergence else signal


def _checked_magnitude(magnitude, momentum, n_iter):
    magnitude = np.asarray(getattr(magnitude, "array", magnitude))
    if magnitude.ndim < 2 or np.iscomplexobj(magnitude):
        raise ValueError(
            f"griffin_lim: magnitude must be real (..., bins, frames), got {magnitude.dtype} {magnitude.shape}"
        )
    if (magnitude < 0).any():
        raise ValueError("griffin_lim: magnitude must be non-negative")
    if not 0 <= momentum < 1:
        raise ValueError(f"griffin_lim: momentum must be in [0, 1), got {momentum}")
    if n_iter < 1:
        raise ValueError(f"griffin_lim: n_iter must be >= 1, got {n_iter}")
    return magnitude if magnitude.dtype.kind == "f" else magnitude.astype(np.float64)
