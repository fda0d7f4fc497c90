"""Complex numbers for the spectral ops: a ``ComplexTensor`` is a pair of real Tensors (real, imag).

Why a pair and not a complex-dtype Tensor: the autograd core stores complex arrays, but its ops'
backward formulas are written for real numbers. For complex z they would need conjugates (the
gradient of |z·w| with respect to z is conj(w)·(z·w)/|z·w|, PyTorch's convention), and e.g. ``mul``
casts a complex gradient to real. Carrying the real and imaginary parts as two real Tensors lets
every existing, tested real op differentiate them correctly; the few complex-specific formulas
(modulus, argument, product) are written once: the product here, the modulus and argument as the
Functions ``ComplexAbs`` and ``ComplexAngle`` in ``mathdl.ops.spectral`` (with every other derivative).

Gradients follow PyTorch's convention for a real loss L of z = a + ib: the gradient "of z" is
∂L/∂a + i ∂L/∂b, i.e. ``(real.grad, imag.grad)``.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.ops import stack
from mathdl.ops.spectral import ComplexAbs, ComplexAngle


def _as_real_tensor(value, like):
    return value if isinstance(value, Tensor) else Tensor(np.asarray(value, dtype=like.dtype))


class ComplexTensor:
    """z = real + i·imag held as two real Tensors of the same shape (see the module docstring).

    ``np.asarray(z)`` and ``z.numpy()`` give the complex NumPy array; ``z.abs()``, ``z.angle()``,
    ``z * w`` and ``z.conj()`` are differentiable.

    >>> z = ComplexTensor(Tensor([3.0]), Tensor([4.0]))
    >>> z.abs().numpy().tolist()
    [5.0]
    """

    __array_priority__ = 1001

    def __init__(self, real, imag):
        real = real if isinstance(real, Tensor) else Tensor(real)
        imag = imag if isinstance(imag, Tensor) else Tensor(imag)
        if real.shape != imag.shape:
            raise ValueError(f"ComplexTensor: real {real.shape} and imag {imag.shape} shapes differ")
        if real.dtype.kind != "f" or imag.dtype != real.dtype:
            raise TypeError(
                f"ComplexTensor: real and imag must be floating Tensors of one dtype, "
                f"got {real.dtype} and {imag.dtype}"
            )
        self.real = real
        self.imag = imag

    @classmethod
    def from_numpy(cls, array, dtype=None):
        """A constant ComplexTensor from a complex (or real) array; ``dtype`` is the real dtype."""
        array = np.asarray(array)
        if dtype is None:
            dtype = np.float32 if array.dtype in (np.complex64, np.float32) else np.float64
        return cls(Tensor(array.real.astype(dtype)), Tensor(np.imag(array).astype(dtype)))

    @property
    def shape(self):
        return self.real.shape

    @property
    def ndim(self):
        return self.real.ndim

    @property
    def dtype(self):
        """The complex NumPy dtype matching the parts (complex64 for float32 parts)."""
        return np.result_type(self.real.dtype, np.complex64)

    @property
    def requires_grad(self):
        return self.real.requires_grad or self.imag.requires_grad

    def numpy(self):
        return self.real.array + 1j * self.imag.array

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def detach(self):
        return ComplexTensor(self.real.detach(), self.imag.detach())

    def abs(self):
        """|z| (a real Tensor), differentiable; 0 gradient at z = 0."""
        return ComplexAbs()(self.real, self.imag)

    def angle(self):
        """arg z in (−π, π] (a real Tensor), differentiable away from z = 0."""
        return ComplexAngle()(self.real, self.imag)

    def conj(self):
        return ComplexTensor(self.real, -self.imag)

    def __neg__(self):
        return ComplexTensor(-self.real, -self.imag)

    def __mul__(self, other):
        # (a + ib)(c + id) = (ac − bd) + i(ad + bc); a real factor scales both parts.
        if isinstance(other, ComplexTensor):
            a, b, c, d = self.real, self.imag, other.real, other.imag
            return ComplexTensor(a * c - b * d, a * d + b * c)
        if np.iscomplexobj(other):
            return self * ComplexTensor.from_numpy(other, self.real.dtype)
        other = _as_real_tensor(other, self.real)
        return ComplexTensor(self.real * other, self.imag * other)

    __rmul__ = __mul__

    def __add__(self, other):
        if not isinstance(other, ComplexTensor):
            other = ComplexTensor.from_numpy(other, self.real.dtype)
        return ComplexTensor(self.real + other.real, self.imag + other.imag)

    __radd__ = __add__

    def __sub__(self, other):
        return self + (-other if isinstance(other, ComplexTensor) else -np.asarray(other))

    def __getitem__(self, index):
        return ComplexTensor(self.real[index], self.imag[index])

    def view_as_real(self):
        """The (..., 2) real Tensor [real, imag] (``torch.view_as_real``'s layout)."""
        return stack([self.real, self.imag], -1)

    def __repr__(self):
        return f"ComplexTensor(shape={self.shape}, dtype={self.dtype.name})\n{self.numpy()!r}"


def as_complex(value, dtype=None, where="as_complex"):
    """``value`` as a ComplexTensor: a ComplexTensor passes through, a complex array becomes a constant one."""
    if isinstance(value, ComplexTensor):
        return value
    array = np.asarray(getattr(value, "array", value))
    if array.dtype.kind not in "cf":
        raise TypeError(f"{where}: expected a ComplexTensor or a complex array, got dtype {array.dtype}")
    return ComplexTensor.from_numpy(array, dtype)
