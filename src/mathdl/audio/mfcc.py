"""The discrete cosine transform and mel-frequency cepstral coefficients, as SciPy and librosa compute them.

DCT-II of x[0..N−1]:  y[k] = 2 Σ_n x[n] cos(πk(2n + 1) / (2N))  (SciPy's unnormalised convention);
with ``norm="ortho"`` it is scaled by √(1/(4N)) for k = 0 and √(1/(2N)) otherwise, which makes the
matrix orthogonal (its inverse is its transpose, the ortho DCT-III).
DCT-III:              y[k] = x[0] + 2 Σ_{n≥1} x[n] cos(πn(2k + 1) / (2N)), the transpose of DCT-II
(up to scaling). Both are matrices C (``dct_matrix``) applied along an axis: linear, so differentiable.

MFCC (Davis & Mermelstein): the log mel spectrogram's spectral envelope, decorrelated by a DCT-II
along the mel axis and truncated to the first n_mfcc coefficients:
    mfcc = C[:n_mfcc] · power_to_db(melspectrogram(y)),
optionally "liftered": coefficient k times 1 + (L/2) sin(π(k + 1)/L).
"""

import numpy as np

from mathdl.audio.mel import melspectrogram, power_to_db
from mathdl.autograd.tensor import Tensor
from mathdl.ops import matmul


def dct_matrix(n, dct_type=2, norm="ortho", dtype=np.float64):
    """The n × n matrix C with ``C @ x`` = ``scipy.fft.dct(x, type=dct_type, norm=norm)`` (types 2 and 3).

    >>> C = dct_matrix(8)
    >>> bool(np.allclose(C @ C.T, np.eye(8)))
    True
    """
    if dct_type not in (2, 3):
        raise ValueError(f"dct_matrix: dct_type must be 2 or 3, got {dct_type}")
    if norm not in (None, "ortho", "backward"):
        raise ValueError(f"dct_matrix: norm must be None, 'backward' or 'ortho', got {norm!r}")
    k = np.arange(n)[:, None]
    m = np.arange(n)[None, :]
    two = 2.0 * np.cos(np.pi * k * (2 * m + 1) / (2 * n))  # the unnormalised DCT-II
    if norm == "ortho":
        scale = np.full(n, np.sqrt(1.0 / (2 * n)))
        scale[0] = np.sqrt(1.0 / (4 * n))
        two = two * scale[:, None]
        return (two if dct_type == 2 else two.T).astype(dtype)
    if dct_type == 2:
        return two.astype(dtype)
    three = two.T.copy()  # y[k] = x[0] + 2 Σ_{n≥1} x[n] cos(...): the first column counts once
    three[:, 0] = 1.0
    return three.astype(dtype)


def dct(x, dct_type=2, norm="ortho", axis=-1):
    """The DCT of ``x`` along ``axis`` (a Tensor; differentiable), as ``scipy.fft.dct``.

    >>> bool(np.allclose(dct(np.ones(4)).numpy(), [2.0, 0.0, 0.0, 0.0]))  # a constant has only c[0]
    True
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    axis = axis % x.ndim
    C = Tensor(dct_matrix(x.shape[axis], dct_type, norm, x.dtype))
    if axis == x.ndim - 1:
        return matmul(x, C.T)
    moved = x.swapaxes(axis, -2) if axis != x.ndim - 2 else x
    out = matmul(C, moved)
    return out.swapaxes(axis, -2) if axis != x.ndim - 2 else out


def mfcc(y=None, sr=22050, S=None, n_mfcc=20, dct_type=2, norm="ortho", lifter=0, **kwargs):
    """Mel-frequency cepstral coefficients (..., n_mfcc, frames), equal to ``librosa.feature.mfcc``.

    ``S``: a log-power mel spectrogram (..., n_mels, frames) (e.g. ``power_to_db(melspectrogram(y))``);
    without it, that is computed from ``y`` with ``kwargs`` passed to ``melspectrogram``. Differentiable.

    >>> y = np.sin(2 * np.pi * 440 * np.arange(4000) / 8000)
    >>> mfcc(y=y, sr=8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40).shape
    (13, 51)
    """
    if S is None:
        if y is None:
            raise ValueError("mfcc: give the signal y or a log mel spectrogram S")
        S = power_to_db(melspectrogram(y=y, sr=sr, **kwargs))
    S = S if isinstance(S, Tensor) else Tensor(S)
    if S.ndim < 2:
        raise ValueError(f"mfcc: S must be (..., n_mels, frames), got shape {S.shape}")
    n_mels = S.shape[-2]
    if not 0 < n_mfcc <= n_mels:
        raise ValueError(f"mfcc: n_mfcc must be in 1..n_mels={n_mels}, got {n_mfcc}")
    C = dct_matrix(n_mels, dct_type, norm, S.dtype)[:n_mfcc]
    if lifter < 0:
        raise ValueError(f"mfcc: lifter must be non-negative, got {lifter}")
    if lifter > 0:
        C = C * (1.0 + (lifter / 2.0) * np.sin(np.pi * np.arange(1, n_mfcc + 1) / lifter))[:, None]
    return matmul(Tensor(C.astype(S.dtype)), S)
