"""The Functions of the spectral ops (``mathdl.audio``): the real DFT and its adjoint, framing and
overlap-add, and the modulus and argument of a complex number held as a (real, imag) pair.

**DFT.** For a frame x[0..N−1], X[k] = Σ_n x[n] e^{−2πikn/N}. For real x, X[N−k] = conj X[k], so the
one-sided transform keeps bins k = 0..⌊N/2⌋. Split into real and imaginary parts it is a real linear map

    Re X[k] = Σ_n x[n] cos(2πkn/N),    Im X[k] = −Σ_n x[n] sin(2πkn/N),

computed by ``np.fft.rfft`` in O(N log N). Its adjoint, which is its backward, maps a pair (A, B) of
spectra to

    x̄[n] = Σ_k (A[k] cos(2πkn/N) − B[k] sin(2πkn/N)) = Re Σ_k (A[k] + iB[k]) e^{2πikn/N},

a sum over the kept bins only. For the one-sided transform this is N · irfft(G') where G' halves the
bins 0 < k < N/2 (irfft counts each of those twice, for k and N − k); for the two-sided one it is
N · Re ifft(G). The adjoint's own backward is the DFT again, so gradients of every order exist.

**Framing.** ``Frames`` (the gather y[..., t, k] = x[..., index[t, k]]) and ``OverlapAdd`` (the scatter
x̄[..., j] = Σ_{index[t,k] = j} ȳ[..., t, k]) are each other's adjoint, hence each other's backward.
The integer table ``index`` (n_frames, frame_length), padding folded in, is built by
``mathdl.audio.framing.frame_index``; position ``signal_length`` is a sink holding 0 (constant padding).

**Complex numbers** z = a + ib are carried as two real Tensors (``mathdl.audio.ComplexTensor``);
gradients follow PyTorch's convention for a real loss L: the gradient "of z" is ∂L/∂a + i ∂L/∂b.
``ComplexAbs`` and ``ComplexAngle`` are the two complex-specific formulas (|z| and arg z).

The public entries (``mathdl.audio.stft``, ``istft``, ``rfft``, ``irfft``, ``ComplexTensor.abs`` ...)
stay in ``mathdl.audio`` and call these Functions.
"""

import numpy as np

from mathdl.autograd.function import Function
from mathdl.autograd.tensor import Tensor


def _bins(n, onesided):
    return n // 2 + 1 if onesided else n


class RealDFT(Function):
    """(Re X, Im X) of the DFT of real frames along the last axis: (..., N) → two (..., bins) arrays.

    bins = N // 2 + 1 when ``onesided`` else N. Backward: ``RealDFTAdjoint`` (see the module docstring).

    >>> real, imag = RealDFT(4)(Tensor([0.0, 1.0, 0.0, 0.0]))
    >>> real.numpy().tolist(), imag.numpy().tolist()
    ([1.0, 0.0, -1.0], [0.0, -1.0, 0.0])
    """

    def __init__(self, n, onesided=True):
        self.n = n
        self.onesided = onesided

    def forward(self, frames):
        spectrum = np.fft.rfft(frames, axis=-1) if self.onesided else np.fft.fft(frames, axis=-1)
        return spectrum.real.astype(frames.dtype), spectrum.imag.astype(frames.dtype)

    def backward(self, grad_real, grad_imag):
        return RealDFTAdjoint(self.n, self.onesided)(grad_real, grad_imag)


class RealDFTAdjoint(Function):
    """x̄[n] = Re Σ_k (A[k] + iB[k]) e^{2πikn/N} over the kept bins: two (..., bins) → (..., N).

    The transpose of ``RealDFT``; its backward is ``RealDFT``.

    >>> RealDFTAdjoint(4)(Tensor([1.0, 0.0, 0.0]), Tensor([0.0, 0.0, 0.0])).numpy().tolist()
    [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, n, onesided=True):
        self.n = n
        self.onesided = onesided

    def forward(self, real, imag):
        bins = _bins(self.n, self.onesided)
        if real.shape[-1] != bins:
            raise ValueError(
                f"RealDFTAdjoint: expected {bins} frequency bins for n={self.n} "
                f"({'one' if self.onesided else 'two'}-sided), got {real.shape[-1]}"
            )
        spectrum = real + 1j * imag
        if not self.onesided:
            return (self.n * np.fft.ifft(spectrum, axis=-1).real).astype(real.dtype)
        last = bins if self.n % 2 else bins - 1  # the Nyquist bin, present for even n, is counted once
        spectrum[..., 1:last] *= 0.5
        return (self.n * np.fft.irfft(spectrum, n=self.n, axis=-1)).astype(real.dtype)

    def backward(self, grad):
        return RealDFT(self.n, self.onesided)(grad)


def gather_frames(x, index, signal_length):
    """x[..., index] with the zero sink at position ``signal_length`` (arrays)."""
    if index.size and index.max() == signal_length:
        x = np.concatenate([x, np.zeros(x.shape[:-1] + (1,), dtype=x.dtype)], axis=-1)
    return x[..., index]


def scatter_frames(frames, index, signal_length):
    """Σ over frame samples landing on each position j < signal_length: (..., T, K) → (..., L) (arrays).

    One ``np.bincount`` over flat positions offset by the batch index, so no Python loop over frames.
    """
    batch_shape = frames.shape[:-2]
    batch = int(np.prod(batch_shape, dtype=np.int64))
    width = signal_length + 1  # + the sink
    flat = (np.arange(batch)[:, None] * width + index.reshape(1, -1)).reshape(-1)
    weights = frames.reshape(batch, -1).reshape(-1)
    summed = np.bincount(flat, weights=weights, minlength=batch * width).reshape(batch, width)
    return summed[:, :signal_length].astype(frames.dtype).reshape(batch_shape + (signal_length,))


class Frames(Function):
    """y[..., t, k] = x[..., index[t, k]]: (..., L) → (..., n_frames, frame_length). Backward: ``OverlapAdd``.

    >>> from mathdl.audio.framing import frame_index
    >>> Frames(frame_index(5, 3, 2), 5)(Tensor([0.0, 1.0, 2.0, 3.0, 4.0])).numpy().tolist()
    [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]]
    """

    def __init__(self, index, signal_length):
        self.index = index
        self.signal_length = signal_length

    def forward(self, x):
        return gather_frames(x, self.index, self.signal_length)

    def backward(self, grad):
        return OverlapAdd(self.index, self.signal_length)(grad)


class OverlapAdd(Function):
    """x[..., j] = Σ_{index[t,k] = j} y[..., t, k]: (..., T, K) → (..., L). Backward: ``Frames``.

    >>> from mathdl.audio.framing import ola_index
    >>> OverlapAdd(ola_index(2, 3, 2), 5)(Tensor(np.ones((2, 3)))).numpy().tolist()
    [1.0, 1.0, 2.0, 1.0, 1.0]
    """

    def __init__(self, index, signal_length):
        self.index = index
        self.signal_length = signal_length

    def forward(self, frames):
        if frames.shape[-2:] != self.index.shape:
            raise ValueError(
                f"OverlapAdd: frames {frames.shape[-2:]} do not match the table {self.index.shape}"
            )
        return scatter_frames(frames, self.index, self.signal_length)

    def backward(self, grad):
        return Frames(self.index, self.signal_length)(grad)


def _zero_mask(real, imag):
    """1 where z = 0 exactly (so a safe divisor there), 0 elsewhere: a constant, not differentiated."""
    return ((real == 0) & (imag == 0)).astype(real.dtype)


class ComplexAbs(Function):
    """|z| = √(a² + b²) of z = a + ib.

    Derivative: ∂|z|/∂a = a/|z|, ∂|z|/∂b = b/|z|, taken as 0 at z = 0 (PyTorch's subgradient, sgn(0) = 0).
    """

    def forward(self, real, imag):
        return np.hypot(real, imag)

    def backward(self, grad):
        real, imag = self.inputs
        safe = (real * real + imag * imag + Tensor(_zero_mask(real.array, imag.array))) ** 0.5
        return grad * real / safe, grad * imag / safe


class ComplexAngle(Function):
    """arg z = atan2(b, a) in (−π, π].

    Derivative: ∂arg/∂a = −b/|z|², ∂arg/∂b = a/|z|² (taken as 0 at z = 0).
    """

    def forward(self, real, imag):
        return np.arctan2(imag, real)

    def backward(self, grad):
        real, imag = self.inputs
        safe = real * real + imag * imag + Tensor(_zero_mask(real.array, imag.array))
        return -grad * imag / safe, grad * real / safe
