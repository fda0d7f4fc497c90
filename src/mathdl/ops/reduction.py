"""Reductions (sum, mean, var, max, min, logsumexp) and the softmax family.

A reduction's gradient is the upstream gradient broadcast back over the reduced axes, weighted by
∂y/∂xᵢ: 1 for sum, 1/n for mean, 2(xᵢ − x̄)/(n − c) for var, the arg-max indicator for max.
softmax, log_softmax and logsumexp subtract the maximum before exponentiating (the log-sum-exp
trick), so they are finite for any finite input.
"""

import builtins
import numbers

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.backend import get_default_dtype
from mathdl.ops.elementwise import exp
from mathdl.ops.shape import broadcast_to, reshape


def normalize_axes(axis, ndim, op="reduce"):
    """``axis`` (None, an int or a tuple) as a sorted tuple of non-negative axes.

    A 0-d tensor accepts axis 0 or -1 (as PyTorch does) and has no axes to reduce: ().
    """
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    result = []
    for a in axes:
        if not isinstance(a, numbers.Integral):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        result.append(int(a) % builtins.max(ndim, 1))
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    if ndim == 0:
        return ()
    return tuple(sorted(result))


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand(gy, x_shape, axes):
    """Broadcast a reduced gradient back to the input shape."""
    return broadcast_to(reshape(gy, _kept_shape(x_shape, axes)), x_shape)


class Sum(Function):
    """y = Σᵢ xᵢ over ``axes``;  ∂L/∂xᵢ = ȳ (broadcast back over the summed axes)."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return np.sum(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        return _expand(gy, self.inputs[0].shape, self.axes)


class Mean(Function):
    """y = (1/n) Σᵢ xᵢ over ``axes``;  ∂L/∂xᵢ = ȳ / n."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return np.mean(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]
        count = int(np.prod([x.shape[a] for a in self.axes])) if self.axes else 1
        return _expand(gy * (1.0 / builtins.max(count, 1)), x.shape, self.axes)


class Var(Function):
    """y = Σᵢ (xᵢ − x̄)² / (n − c) over ``axes`` (c = ``correction``; 1 is the unbiased estimate);
    ∂L/∂xᵢ = ȳ · 2 (xᵢ − x̄) / (n − c).  (With n ≤ c the divisor is 0: inf or nan, as PyTorch.)"""

    def __init__(self, axes, keepdims, correction):
        self.axes, self.keepdims, self.correction = axes, keepdims, correction

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.var(x, axis=self.axes, ddof=self.correction, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]
        count = int(np.prod([x.shape[a] for a in self.axes])) if self.axes else 1
        centred = x - mean(x, self.axes, keepdims=True)
        dof = builtins.max(count - self.correction, 0)  # the divisor the forward used, as NumPy
        factor = 2.0 / dof if dof else float("inf")  # no degrees of freedom: inf, as PyTorch
        return _expand(gy, x.shape, self.axes) * centred * factor


class MaxMin(Function):
    """y = max (or min) of x over ``axes``.

    ∂L/∂xᵢ = ȳ · wᵢ where w picks the extreme elements: over one axis, the first one (the index
    ``argmax`` returns, like ``torch.max(x, dim)``); over all or several axes, all tied extremes
    equally (wᵢ = 1/#ties, like ``torch.max(x)`` and ``torch.amax``).
    """

    def __init__(self, axes, keepdims, single_axis, largest):
        self.axes, self.keepdims, self.single_axis, self.largest = axes, keepdims, single_axis, largest

    def forward(self, x):
        reduce = np.max if self.largest else np.min
        return reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]
        data = x.array
        if self.single_axis:
            axis = self.axes[0]
            pick = np.argmax if self.largest else np.argmin
            index = np.expand_dims(pick(data, axis=axis), axis)
            weights = np.zeros(data.shape, dtype=data.dtype)
            np.put_along_axis(weights, index, 1, axis=axis)
        else:
            reduce = np.max if self.largest else np.min
            extreme = reduce(data, axis=self.axes, keepdims=True)
            ties = data == extreme
            weights = (ties / ties.sum(axis=self.axes, keepdims=True)).astype(data.dtype)
        return _expand(gy, x.shape, self.axes) * Tensor(weights)


class LogSumExp(Function):
    """y = log Σᵢ exp(xᵢ) = m + log Σᵢ exp(xᵢ − m) with m = maxᵢ xᵢ;  ∂L/∂xᵢ = ȳ · softmax(x)ᵢ."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        m = np.max(x, axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all −inf (or inf) rows: no shift
        with np.errstate(divide="ignore"):
            y = np.log(np.sum(np.exp(x - m), axis=self.axes, keepdims=True)) + m
        return y if self.keepdims else np.squeeze(y, axis=self.axes)

    def backward(self, gy):
        x = self.inputs[0]
        y = self.outputs[0]()
        kept = _kept_shape(x.shape, self.axes)
        return reshape(gy, kept) * exp(x - reshape(y, kept))


class Softmax(Function):
    """yᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) along ``axis`` (m the maximum, for stability);
    ∂L/∂x = y ⊙ (ȳ − Σⱼ ȳⱼ yⱼ)  (the Jacobian diag(y) − y yᵀ applied to ȳ)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - np.max(x, axis=self.axis, keepdims=True))
        e /= np.sum(e, axis=self.axis, keepdims=True)
        return e

    def backward(self, gy):
        y = self.outputs[0]()
        return y * (gy - sum(gy * y, self.axis, keepdims=True))


class LogSoftmax(Function):
    """yᵢ = xᵢ − logsumexp(x) along ``axis``;  ∂L/∂x = ȳ − softmax(x) Σⱼ ȳⱼ  with softmax = eʸ."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        shifted = x - np.max(x, axis=self.axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=self.axis, keepdims=True))

    def backward(self, gy):
        y = self.outputs[0]()
        return gy - exp(y) * sum(gy, self.axis, keepdims=True)


def _single_axis(axis, ndim, op):
    if isinstance(axis, (tuple, list)) or axis is None:
        raise TypeError(f"{op}: axis must be one int, got {axis!r}")
    axes = normalize_axes(axis, ndim, op)
    return axes[0] if axes else None  # a 0-d tensor: NumPy's axis=None is its only axis


def _check_nonempty(x, axes, op):
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op}: cannot reduce an empty axis of a tensor of shape {x.shape}")


def sum(x, axis=None, keepdims=False):
    """Σ over ``axis`` (None: all elements)."""
    x = as_tensor(x)
    return Sum(normalize_axes(axis, x.ndim, "sum"), keepdims)(x)


def _floating(x):
    # the mean or variance of integers or booleans is a real number: the default float dtype
    # (NumPy would give float64, leaking float64 into float32 code, e.g. (pred == y).mean())
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        x = Tensor(x.array.astype(get_default_dtype()))
    return x


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis`` (None: all elements)."""
    x = _floating(x)
    axes = normalize_axes(axis, x.ndim, "mean")
    _check_nonempty(x, axes, "mean")
    return Mean(axes, keepdims)(x)


def var(x, axis=None, keepdims=False, correction=1):
    """Variance over ``axis``; ``correction=1`` (default, as PyTorch) divides by n − 1, ``0`` by n."""
    x = _floating(x)
    axes = normalize_axes(axis, x.ndim, "var")
    return Var(axes, keepdims, correction)(x)


def _extreme(x, axis, keepdims, largest, op):
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim, op)
    _check_nonempty(x, axes, op)
    single = axis is not None and not isinstance(axis, (tuple, list)) and x.ndim > 0
    return MaxMin(axes, keepdims, single, largest)(x)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis`` (values only). Gradient ties: see ``MaxMin``."""
    return _extreme(x, axis, keepdims, True, "max")


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis`` (values only). Gradient ties: see ``MaxMin``."""
    return _extreme(x, axis, keepdims, False, "min")


def logsumexp(x, axis=None, keepdims=False):
    """log Σ exp(x) over ``axis``, computed with the max-shift so it never overflows."""
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim, "logsumexp")
    return LogSumExp(axes, keepdims)(x)


def softmax(x, axis=-1):
    """Softmax along ``axis``: exp(x) / Σ exp(x), stable for any finite input."""
    x = as_tensor(x)
    return Softmax(_single_axis(axis, x.ndim, "softmax"))(x)


def log_softmax(x, axis=-1):
    """log softmax along ``axis``: x − logsumexp(x), stable for any finite input."""
    x = as_tensor(x)
    return LogSoftmax(_single_axis(axis, x.ndim, "log_softmax"))(x)
