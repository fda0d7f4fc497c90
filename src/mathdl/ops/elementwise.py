"""Elementwise functions y = f(x), whose Jacobian is diagonal: ∂L/∂x = ȳ ⊙ f′(x).

Derivatives are written with Tensor ops so that they can be differentiated again. The rounding
functions (floor, ceil, round, sign) are piecewise constant: their gradient is zero everywhere, as
in PyTorch. Trigonometric and hyperbolic functions are in ``ops/trigonometric.py``, erf and erfc
in ``ops/special.py``.
"""

import numbers

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.backend import get_default_dtype
from mathdl.ops.dense_layout import pooled_like as _pooled_like
from mathdl.ops.dense_layout import relu_array
from mathdl.ops.shape import grad_like
from mathdl.typing import TensorLike


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
    """y = max(x, 0);  ∂L/∂x = ȳ ⊙ [x > 0] = ȳ ⊙ [y > 0]  (0 at x = 0, as PyTorch). Backward reads
    the output, not the input, so the input can be freed after forward (as PyTorch's relu)."""

    saves = ()
    saves_output = True

    def forward(self, x):
        out = _pooled_like(x)
        if out is None:
            return np.maximum(x, 0)
        return relu_array(x, out)

    def backward(self, gy):
        y = _output(self).array
        if gy.requires_grad:
            return gy * Tensor(y > 0)
        # [y > 0] as 0/1 numbers of ȳ's dtype, multiplied in place: a product of two float arrays
        # runs faster than NumPy's float-by-bool product, and one buffer is allocated instead of two
        factor = _pooled_like(y) if gy.dtype == y.dtype else None
        if factor is None:
            factor = np.asarray(y > 0, dtype=gy.dtype)  # (an array also for 0-d y)
        else:
            np.greater(y, 0, out=factor)
        return Tensor(np.multiply(gy.array, factor, out=factor))


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


class Square(Function):
    """y = x²;  ∂L/∂x = 2 ȳ ⊙ x."""

    def forward(self, x):
        return np.square(x)

    def backward(self, gy):
        return gy * self.inputs[0] * 2.0


class Reciprocal(Function):
    """y = 1/x;  ∂L/∂x = −ȳ ⊙ y²."""

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, x):
        with np.errstate(divide="ignore"):
            return np.reciprocal(x)

    def backward(self, gy):
        y = _output(self)
        return -(gy * y * y)


class Rsqrt(Function):
    """y = 1/√x;  ∂L/∂x = −½ ȳ ⊙ y³."""

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1.0 / np.sqrt(x)

    def backward(self, gy):
        y = _output(self)
        return gy * y * y * y * -0.5


class Log1p(Function):
    """y = ln(1 + x), accurate for small |x|;  ∂L/∂x = ȳ / (1 + x)."""

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    def backward(self, gy):
        return gy / (self.inputs[0] + 1.0)


class Expm1(Function):
    """y = eˣ − 1, accurate for small |x|;  ∂L/∂x = ȳ ⊙ (y + 1)."""

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, x):
        return np.expm1(x)

    def backward(self, gy):
        return gy * (_output(self) + 1.0)


class Rounding(Function):
    """y = floor x, ceil x, round x (half to even, ``decimals`` places) or sign x;  ∂L/∂x = 0
    (piecewise constant: zero almost everywhere, as PyTorch defines it at the jumps too)."""

    def __init__(self, kind, decimals=0):
        self.kind, self.decimals = kind, decimals

    def forward(self, x):
        if self.kind == "round":
            return np.round(x, self.decimals)
        return {"floor": np.floor, "ceil": np.ceil, "sign": np.sign}[self.kind](x)

    def backward(self, gy):
        return Tensor(np.zeros(gy.shape, dtype=gy.dtype))


class Softplus(Function):
    """y = (1/β) ln(1 + e^(βx)), and y = x where βx > threshold (as PyTorch);
    ∂L/∂x = ȳ ⊙ σ(βx) (1 where βx > threshold).

    Computed as (max(βx, 0) + ln(1 + e^(−|βx|)))/β, which never overflows.
    """

    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        scaled = x * self.beta
        smooth = (np.maximum(scaled, 0) + np.log1p(np.exp(-np.abs(scaled)))) / self.beta
        return np.where(scaled > self.threshold, x, smooth).astype(x.dtype, copy=False)

    def backward(self, gy):
        x = self.inputs[0]
        linear = x.array * self.beta > self.threshold
        return gy * where(linear, 1.0, sigmoid(x * self.beta))


def _unary(function, x):
    return function(as_tensor(x))


def _floating(function, x):
    # exp, log, sqrt, tanh, sigmoid of integers are real numbers: the default float dtype, as PyTorch
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        x = Tensor(x.array.astype(get_default_dtype()))
    return function(x)


def exp(x: TensorLike) -> Tensor:
    """eˣ elementwise.

    >>> import mathdl as md
    >>> md.exp(md.tensor([0.0, 1.0], dtype=md.float64)).tolist()
    [1.0, 2.718281828459045]
    """
    return _floating(Exp(), x)


def log(x: TensorLike) -> Tensor:
    """Natural logarithm elementwise.

    >>> import mathdl as md
    >>> md.log(md.tensor([1.0, 4.0], dtype=md.float64)).tolist()
    [0.0, 1.3862943611198906]
    """
    return _floating(Log(), x)


def sqrt(x: TensorLike) -> Tensor:
    """Square root elementwise.

    >>> import mathdl as md
    >>> md.sqrt(md.tensor([4.0, 9.0])).tolist()
    [2.0, 3.0]
    """
    return _floating(Sqrt(), x)


def abs(x: TensorLike) -> Tensor:
    """|x| elementwise.

    >>> import mathdl as md
    >>> md.abs(md.tensor([-2.0, 3.0])).tolist()
    [2.0, 3.0]
    """
    return _unary(Abs(), x)


def tanh(x: TensorLike) -> Tensor:
    """Hyperbolic tangent elementwise.

    >>> import mathdl as md
    >>> md.tanh(md.tensor([0.0])).tolist()
    [0.0]
    """
    return _floating(Tanh(), x)


def sigmoid(x: TensorLike) -> Tensor:
    """Logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ), stable for large |x|.

    >>> import mathdl as md
    >>> md.sigmoid(md.tensor([0.0])).tolist()
    [0.5]
    """
    return _floating(Sigmoid(), x)


def relu(x: TensorLike) -> Tensor:
    """Rectified linear unit max(x, 0).

    >>> import mathdl as md
    >>> md.relu(md.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return _unary(ReLU(), x)


def square(input: TensorLike) -> Tensor:
    """x² elementwise (``torch.square``); integers stay integers.

    >>> import mathdl as md
    >>> md.square(md.tensor([-2.0, 3.0]))
    tensor([4., 9.])
    """
    return _unary(Square(), input)


def reciprocal(input: TensorLike) -> Tensor:
    """1/x elementwise (``torch.reciprocal``); integers become floats, 1/0 = inf.

    >>> import mathdl as md
    >>> md.reciprocal(md.tensor([2.0, 4.0]))
    tensor([0.5 , 0.25])
    """
    return _floating(Reciprocal(), input)


def rsqrt(input: TensorLike) -> Tensor:
    """1/√x elementwise (``torch.rsqrt``).

    >>> import mathdl as md
    >>> md.rsqrt(md.tensor([4.0]))
    tensor([0.5])
    """
    return _floating(Rsqrt(), input)


def log1p(input: TensorLike) -> Tensor:
    """ln(1 + x) elementwise (``torch.log1p``), without the rounding of 1 + x for tiny x.

    >>> import mathdl as md
    >>> md.log1p(md.tensor([0.0]))
    tensor([0.])
    """
    return _floating(Log1p(), input)


def expm1(input: TensorLike) -> Tensor:
    """eˣ − 1 elementwise (``torch.expm1``), without cancellation for tiny x.

    >>> import mathdl as md
    >>> md.expm1(md.tensor([0.0]))
    tensor([0.])
    """
    return _floating(Expm1(), input)


def _rounding(kind, input, decimals=0):
    input = as_tensor(input)
    if input.dtype.kind not in "fc":  # integers are already whole numbers (and have no gradient)
        if kind == "sign":
            return Tensor(np.sign(input.array))
        return Tensor(input.array.copy())
    return Rounding(kind, decimals)(input)


def floor(input: TensorLike) -> Tensor:
    """The largest integer ≤ x, elementwise (``torch.floor``); zero gradient.

    >>> import mathdl as md
    >>> md.floor(md.tensor([1.5, -1.5]))
    tensor([ 1., -2.])
    """
    return _rounding("floor", input)


def ceil(input: TensorLike) -> Tensor:
    """The smallest integer ≥ x, elementwise (``torch.ceil``); zero gradient.

    >>> import mathdl as md
    >>> md.ceil(md.tensor([1.5, -1.5]))
    tensor([ 2., -1.])
    """
    return _rounding("ceil", input)


def round(input: TensorLike, decimals: int = 0) -> Tensor:
    """Round to ``decimals`` places, halves to even (``torch.round``); zero gradient.

    >>> import mathdl as md
    >>> md.round(md.tensor([0.5, 1.5, 2.5]))
    tensor([0., 2., 2.])
    """
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral):
        raise TypeError(f"round: decimals must be an integer, got {decimals!r}")
    return _rounding("round", input, int(decimals))


def sign(input: TensorLike) -> Tensor:
    """−1, 0 or 1 by the sign of x, elementwise (``torch.sign``); zero gradient.

    >>> import mathdl as md
    >>> md.sign(md.tensor([-3.0, 0.0, 2.0]))
    tensor([-1.,  0.,  1.])
    """
    return _rounding("sign", input)


def softplus(input: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β) ln(1 + e^(βx)) elementwise, linear where βx > ``threshold`` (``F.softplus``).

    >>> import mathdl as md
    >>> md.softplus(md.tensor([0.0, 30.0]))
    tensor([ 0.6931472, 30.       ])
    """
    for name, value in (("beta", beta), ("threshold", threshold)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"softplus: {name} must be a number, got {value!r}")
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero")
    return _floating(Softplus(float(beta), float(threshold)), input)


def clip(x: TensorLike, lo: float | None = None, hi: float | None = None) -> Tensor:
    """Clamp to [lo, hi] (either bound may be None), like ``np.clip`` / ``torch.clamp``.

    >>> import mathdl as md
    >>> md.clip(md.tensor([-2.0, 0.5, 3.0]), -1.0, 1.0).tolist()
    [-1.0, 0.5, 1.0]
    """
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: lo ({lo}) is greater than hi ({hi})")
    x = as_tensor(x)
    if x.dtype.kind == "f":  # a np.float64 bound would make NumPy 2 promote a float32 x
        lo = float(lo) if isinstance(lo, np.floating) else lo
        hi = float(hi) if isinstance(hi, np.floating) else hi
    return Clip(lo, hi)(x)


def _pair(a: TensorLike, b: TensorLike, op: str) -> tuple[Tensor, Tensor]:
    from mathdl.ops.arithmetic import _binary

    return _binary(a, b, op)


def maximum(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise maximum with broadcasting.

    >>> import mathdl as md
    >>> md.maximum(md.tensor([1.0, 4.0]), md.tensor([3.0, 2.0])).tolist()
    [3.0, 4.0]
    """
    return Maximum()(*_pair(a, b, "maximum"))


def minimum(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise minimum with broadcasting.

    >>> import mathdl as md
    >>> md.minimum(md.tensor([1.0, 4.0]), md.tensor([3.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    return Minimum()(*_pair(a, b, "minimum"))


def where(condition: TensorLike, a: TensorLike, b: TensorLike) -> Tensor:
    """Choose from ``a`` where ``condition`` holds, else from ``b`` (broadcasting all three).

    >>> import mathdl as md
    >>> md.where(md.tensor([True, False]), md.tensor([1.0, 2.0]), md.tensor([3.0, 4.0])).tolist()
    [1.0, 4.0]
    """
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
