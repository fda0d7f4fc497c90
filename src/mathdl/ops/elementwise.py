"""Elementwise functions y = f(x), whose Jacobian is diagonal: ∂L/∂x = ȳ ⊙ f′(x).

Derivatives are written with Tensor ops so that they can be differentiated again.
"""

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.backend import get_default_dtype
from mathdl.ops.shape import grad_like


def _output(function):
    return function.outputs[0]()


class Exp(Function):
    """y = eˣ;  ∂L/∂x = ȳ ⊙ y."""

    saves = ()
    saves_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return gy * _output(self)


class Log(Function):
    """y = ln x;  ∂L/∂x = ȳ / x.  (ln 0 = −inf, as in NumPy and PyTorch.)"""

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Sqrt(Function):
    """y = √x;  ∂L/∂x = ȳ / (2y)."""

    saves = ()
    saves_output = True

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            return np.sqrt(x)

    def backward(self, gy):
        return gy / (_output(self) * 2.0)


class Abs(Function):
    """y = |x|;  ∂L/∂x = ȳ ⊙ sign(x)  (0 at x = 0, as PyTorch)."""

    def forward(self, x):
        return np.abs(x)

    def backward(self, gy):
        return gy * Tensor(np.sign(self.inputs[0].array))


class Tanh(Function):
    """y = tanh x;  ∂L/∂x = ȳ ⊙ (1 − y²)."""

    saves = ()
    saves_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (1.0 - y * y)


def sigmoid_array(x):
    """σ(x) = 1 / (1 + e⁻ˣ) without overflow: with e = e^(−|x|) ∈ (0, 1],
    σ(x) = 1/(1+e) for x ≥ 0 and e/(1+e) for x < 0."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


class Sigmoid(Function):
    """y = σ(x) = 1 / (1 + e⁻ˣ) (computed stably);  ∂L/∂x = ȳ ⊙ y (1 − y)."""

    saves = ()
    saves_output = True

    def forward(self, x):
        return sigmoid_array(x).astype(x.dtype, copy=False)

    def backward(self, gy):
        y = _output(self)
        return gy * y * (1.0 - y)


class ReLU(Function):
    """y = max(x, 0);  ∂L/∂x = ȳ ⊙ [x > 0]  (0 at x = 0, as PyTorch)."""

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, gy):
        mask = self.inputs[0].array > 0
        if gy.requires_grad:
            return gy * Tensor(mask)
        return Tensor(np.multiply(gy.array, mask, dtype=gy.dtype))


class Clip(Function):
    """y = min(max(x, lo), hi);  ∂L/∂x = ȳ ⊙ [lo ≤ x ≤ hi]  (inclusive, as ``torch.clamp``)."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return np.clip(x, self.lo, self.hi)

    def backward(self, gy):
        x = self.inputs[0].array
        mask = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            mask &= x >= self.lo
        if self.hi is not None:
            mask &= x <= self.hi
        return gy * Tensor(mask)


class Maximum(Function):
    """z = max(a, b) elementwise;  the gradient goes to the larger input, split in half on ties
    (as PyTorch)."""

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, gz):
        a, b = self.inputs
        share_a = Tensor((a.array > b.array) + 0.5 * (a.array == b.array), dtype=gz.dtype)
        return grad_like(gz * share_a, a), grad_like(gz * (1.0 - share_a), b)


class Minimum(Function):
    """z = min(a, b) elementwise;  the gradient goes to the smaller input, split in half on ties."""

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, gz):
        a, b = self.inputs
        share_a = Tensor((a.array < b.array) + 0.5 * (a.array == b.array), dtype=gz.dtype)
        return grad_like(gz * share_a, a), grad_like(gz * (1.0 - share_a), b)


class Where(Function):
    """z = a where condition else b;  ∂L/∂a = z̄ where condition (else 0), ∂L/∂b the rest.

    The condition is a constant (a boolean array), not an input.
    """

    saves = ()

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return np.where(self.condition, a, b)

    def backward(self, gz):
        a, b = self.inputs
        zero = Tensor(np.zeros((), dtype=gz.dtype))
        ga = grad_like(where(self.condition, gz, zero), a) if a.requires_grad else None
        gb = grad_like(where(self.condition, zero, gz), b) if b.requires_grad else None
        return ga, gb


def _unary(function, x):
    return function(as_tensor(x))


def _floating(function, x):
    # exp, log, sqrt, tanh, sigmoid of integers are real numbers: the default float dtype, as PyTorch
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        x = Tensor(x.array.astype(get_default_dtype()))
    return function(x)


def exp(x):
    """eˣ elementwise."""
    return _floating(Exp(), x)


def log(x):
    """Natural logarithm elementwise."""
    return _floating(Log(), x)


def sqrt(x):
    """Square root elementwise."""
    return _floating(Sqrt(), x)


def abs(x):
    """|x| elementwise."""
    return _unary(Abs(), x)


def tanh(x):
    """Hyperbolic tangent elementwise."""
    return _floating(Tanh(), x)


def sigmoid(x):
    """Logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ), stable for large |x|."""
    return _floating(Sigmoid(), x)


def relu(x):
    """Rectified linear unit max(x, 0)."""
    return _unary(ReLU(), x)


def clip(x, lo=None, hi=None):
    """Clamp to [lo, hi] (either bound may be None), like ``np.clip`` / ``torch.clamp``."""
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: lo ({lo}) is greater than hi ({hi})")
    x = as_tensor(x)
    if x.dtype.kind == "f":  # a np.float64 bound would make NumPy 2 promote a float32 x
        lo = float(lo) if isinstance(lo, np.floating) else lo
        hi = float(hi) if isinstance(hi, np.floating) else hi
    return Clip(lo, hi)(x)


def _pair(a, b, op):
    from mathdl.ops.arithmetic import _binary

    return _binary(a, b, op)


def maximum(a, b):
    """Elementwise maximum with broadcasting."""
    return Maximum()(*_pair(a, b, "maximum"))


def minimum(a, b):
    """Elementwise minimum with broadcasting."""
    return Minimum()(*_pair(a, b, "minimum"))


def where(condition, a, b):
    """Choose from ``a`` where ``condition`` holds, else from ``b`` (broadcasting all three)."""
    condition = condition.array if isinstance(condition, Tensor) else np.asarray(condition)
    if condition.dtype != bool:
        condition = condition.astype(bool)
    a, b = _pair(a, b, "where")
    try:
        np.broadcast_shapes(condition.shape, a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"where: cannot broadcast condition {condition.shape} with {a.shape} and {b.shape}"
        ) from None
    return Where(condition)(a, b)
