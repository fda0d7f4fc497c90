"""The discrete Fourier transform of real signals, as a matrix and through the FFT, with its adjoint.

For a frame x[0..N−1] the DFT is X[k] = Σ_n x[n] e^{−2πikn/N}, i.e. X = W x with the N × N matrix
W[k, n] = e^{−2πikn/N} (``dft_matrix``). For real x, X[N−k] = conj X[k], so the one-sided transform
keeps bins k = 0..⌊N/2⌋. Split into real and imaginary parts it is a real linear map

    Re X[k] = Σ_n x[n] cos(2πkn/N),    Im X[k] = −Σ_n x[n] sin(2πkn/N),

computed by ``np.fft.rfft`` in O(N log N) instead of the O(N²) product with W (the two agree to
rounding; a test checks it). Its adjoint, which is its backward, maps a pair (A, B) of spectra to

    x̄[n] = Σ_k (A[k] cos(2πkn/N) − B[k] sin(2πkn/N)) = Re Σ_k (A[k] + iB[k]) e^{2πikn/N},

a sum over the kept bins only. For the one-sided transform this is N · irfft(G') where G' halves the
bins 0 < k < N/2 (irfft counts each of those twice, for k and N − k); for the two-sided one it is
N · Re ifft(G). The adjoint's own backward is the DFT again, so gradients of every order exist.
Both are Functions in ``mathdl.ops.spectral``; ``rfft`` and ``irfft`` here call them.
"""

import numpy as np

from mathdl.audio.complex import ComplexTensor, as_complex
from mathdl.autograd.tensor import Tensor
from mathdl.ops.spectral import RealDFT, RealDFTAdjoint


def dft_matrix(n, dtype=np.complex128):
    """The n × n DFT matrix W[k, m] = exp(−2πi k m / n), so that ``W @ x`` is ``np.fft.fft(x)``.

    >>> W = dft_matrix(4)
    >>> np.allclose(W @ np.arange(4.0), np.fft.fft(np.arange(4.0)))
    True
    """
    k = np.arange(n)
    # e^{−2πikm/n} depends on km only modulo n: reducing the integer first keeps the angle below 2π,
    # where cos and sin are accurate to rounding (an angle of ~n² radians would carry ~n²·1e-16 error).
    return np.exp(-2j * np.pi * (np.outer(k, k) % n) / n).astype(dtype)


def rfft(x, n=None, onesided=True):
    """The DFT of real ``x`` (..., N) along its last axis as a ComplexTensor (..., N//2 + 1) (or (..., N)
    when ``onesided=False``); differentiable. ``n`` defaults to the last dimension (no padding here).

    >>> rfft(Tensor([1.0, 0.0, 0.0, 0.0])).numpy().tolist()
    [(1+0j), (1+0j), (1+0j)]
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim == 0:
        raise ValueError("rfft: x must have at least one dimension")
    n = x.shape[-1] if n is None else n
    if n != x.shape[-1]:
        raise ValueError(f"rfft: n={n} differs from the last dimension {x.shape[-1]} of x")
    real, imag = RealDFT(n, onesided)(x)
    return ComplexTensor(real, imag)


def irfft(spectrum, n):
    """The real inverse DFT x[m] = (1/N)[Re X₀ + 2 Re Σ_{0<k<N/2} X_k e^{2πikm/N} + Re X_{N/2} (−1)^m]
    of a one-sided spectrum (..., N//2 + 1), as ``np.fft.irfft(X, n)``; differentiable (a ComplexTensor in).

    >>> irfft(np.array([4.0, 0.0, 0.0]), 4).numpy().tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    spectrum = as_complex(spectrum, where="irfft")
    bins = n // 2 + 1
    weights = np.full(bins, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    weights = Tensor((weights / n).astype(spectrum.real.dtype))
    return RealDFTAdjoint(n, True)(spectrum.real * weights, spectrum.imag * weights)
