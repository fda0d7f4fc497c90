"""Reductions: sum, mean, var/std, max/min (values and indices), amax/amin, argmax/argmin,
logsumexp, any/all. (The softmax family lives in ``mathdl.ops.softmax``.)

A reduction's gradient is the upstream gradient broadcast back over the reduced axes, weighted by
∂y/∂xᵢ: 1 for sum, 1/n for mean, 2(xᵢ − x̄)/(n − c) for var, the arg-max indicator for max.
logsumexp subtracts the maximum before exponentiating (the log-sum-exp trick), so it is finite for
any finite input. Every function takes PyTorch's ``dim``/``keepdim`` (NumPy's ``axis``/``keepdims``
are aliases; see ``mathdl.ops.dims``).
"""

import builtins
import collections
import math
import numbers

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, _wrap, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.backend import get_default_dtype
from mathdl.ops.dims import normalize_axes, resolve
from mathdl.ops.elementwise import exp, maximum, minimum
from mathdl.ops.shape import broadcast_to, reshape
from mathdl.typing import DimArg, DTypeLike, TensorLike


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand(gy, x_shape, axes):
    """Broadcast a reduced gradient back to the input shape."""
    if not grad_mode._enabled:  # first order: on the array (the same read-only broadcast view)
        g = gy.array
        kept = _kept_shape(x_shape, axes)
        if g.shape != kept:
            g = g.reshape(kept)
        if g.shape == x_shape and g is gy.array:
            return gy
        if math.prod(x_shape) <= 4096:
            # a small input: filling it costs less than making np.broadcast_to's read-only view
            expanded = np.empty(x_shape, g.dtype)
            expanded[...] = g
            return _wrap(expanded, False)
        return _wrap(np.broadcast_to(g, x_shape), False)
    return broadcast_to(reshape(gy, _kept_shape(x_shape, axes)), x_shape)


class Sum(Function):
    """y = Σᵢ xᵢ over ``axes``;  ∂L/∂xᵢ = ȳ (broadcast back over the summed axes)."""

    saves = ()

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdims)  # (the method: no np.sum dispatch layer)

    def backward(self, gy):
        return _expand(gy, self.inputs[0].shape, self.axes)


class Mean(Function):
    """y = (1/n) Σᵢ xᵢ over ``axes``;  ∂L/∂xᵢ = ȳ / n."""

    saves = ()

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
        return _variance_backward(self.inputs[0], gy, self.axes, self.correction)


def _variance_backward(x, gy, axes, correction):
    """ȳ · 2 (xᵢ − x̄) / (n − c): the gradient of the variance (shared by Var and Std)."""
    count = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    centred = x - mean(x, axes, keepdims=True)
    dof = builtins.max(count - correction, 0)  # the divisor the forward used, as NumPy
    factor = 2.0 / dof if dof else float("inf")  # no degrees of freedom: inf, as PyTorch
    return _expand(gy, x.shape, axes) * centred * factor


class Std(Function):
    """σ = √(Σᵢ (xᵢ − x̄)² / (n − c)) over ``axes``;  ∂L/∂xᵢ = σ̄ (xᵢ − x̄) / ((n − c) σ),
    the chain rule through √ and the variance, taken as 0 where σ = 0 (as PyTorch: a constant
    slice has no direction to move in)."""

    saves_output = True

    def __init__(self, axes, keepdims, correction):
        self.axes, self.keepdims, self.correction = axes, keepdims, correction

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sqrt(np.var(x, axis=self.axes, ddof=self.correction, keepdims=self.keepdims))

    def backward(self, gy):
        from mathdl.ops.elementwise import where

        sigma = self.outputs[0]()
        zero = sigma.array == 0
        safe = where(zero, 1.0, sigma) if zero.any() else sigma
        gvar = where(zero, 0.0, gy / (safe * 2.0)) if zero.any() else gy / (sigma * 2.0)
        return _variance_backward(self.inputs[0], gvar, self.axes, self.correction)


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

    saves_output = True

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


def _check_nonempty(x, axes, op):
    if builtins.any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op}: cannot reduce an empty axis of a tensor of shape {x.shape}")


def _floating(x: TensorLike) -> Tensor:
    # the mean or variance of integers or booleans is a real number: the default float dtype
    # (NumPy would give float64, leaking float64 into float32 code, e.g. (pred == y).mean())
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        x = Tensor(x.array.astype(get_default_dtype()))
    return x


def sum(
    x: TensorLike,
    dim: DimArg = None,
    keepdim: bool = False,
    *,
    dtype: DTypeLike | None = None,
    axis: DimArg = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Σ over ``dim`` (an int, a tuple, or None for all elements), as ``torch.sum``.

    >>> sum(Tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    tensor([3., 7.])
    """
    if axis is not None or keepdims is not None:
        dim, keepdim = resolve("sum", dim, axis, keepdim, keepdims)
    x = as_tensor(x)
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "bui" and x.dtype != np.int64:
        x = Tensor(x.array.astype(np.int64))  # integer sums are int64, as PyTorch
    return Sum(normalize_axes(dim, x.ndim, "sum"), keepdim)(x)


def mean(
    x: TensorLike,
    dim: DimArg = None,
    keepdim: bool = False,
    *,
    dtype: DTypeLike | None = None,
    axis: DimArg = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Arithmetic mean over ``dim`` (None: all elements); integers give the default float dtype.

    >>> mean(Tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0)
    tensor([2., 3.])
    """
    dim, keepdim = resolve("mean", dim, axis, keepdim, keepdims)
    x = _floating(x) if dtype is None else as_tensor(x).to(dtype)
    axes = normalize_axes(dim, x.ndim, "mean")
    _check_nonempty(x, axes, "mean")
    return Mean(axes, keepdim)(x)


def _correction(op, unbiased, correction):
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: got both unbiased and correction; pass one")
    if isinstance(unbiased, (int, tuple, list)) and not isinstance(unbiased, bool):
        raise TypeError(f"{op}: unbiased must be a bool, got {unbiased!r} (is it meant as keepdim or dim?)")
    if unbiased is not None:
        return 1 if unbiased else 0
    return 1 if correction is None else correction


def var(
    x: TensorLike,
    dim: DimArg = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    axis: DimArg = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Variance over ``dim``: Σ(x − x̄)² / (n − correction). ``correction=1`` (the default, as
    PyTorch: ``unbiased=True``) divides by n − 1; ``correction=0`` (``unbiased=False``) by n.

    >>> var(Tensor([1.0, 2.0, 3.0, 4.0]))
    tensor(1.6666666)
    """
    dim, keepdim = resolve("var", dim, axis, keepdim, keepdims)
    x = _floating(x)
    axes = normalize_axes(dim, x.ndim, "var")
    return Var(axes, keepdim, _correction("var", unbiased, correction))(x)


def std(
    x: TensorLike,
    dim: DimArg = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    axis: DimArg = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Standard deviation √var over ``dim`` (same arguments as ``var``; unbiased by default).

    ∂σ/∂xᵢ = (xᵢ − x̄) / ((n − correction) σ): the chain rule through √ and ``Var``.

    >>> std(Tensor([1.0, 2.0, 3.0, 4.0]), correction=0)
    tensor(1.118034)
    """
    dim, keepdim = resolve("std", dim, axis, keepdim, keepdims)
    x = _floating(x)
    axes = normalize_axes(dim, x.ndim, "std")
    return Std(axes, keepdim, _correction("std", unbiased, correction))(x)


# ----- extremes -------------------------------------------------------------------------------------
class ValuesIndices(collections.namedtuple("ValuesIndices", ["values", "indices"])):
    """What ``max(x, dim)``/``min(x, dim)``/``sort``/``topk`` return, as ``torch.return_types``:
    a named tuple ``(values, indices)``; the indices are int64 and carry no gradient."""


def _extreme(x, dim, keepdim, largest, op):
    x = as_tensor(x)
    axes = normalize_axes(dim, x.ndim, op)
    _check_nonempty(x, axes, op)
    single = dim is not None and not isinstance(dim, (tuple, list)) and x.ndim > 0
    return MaxMin(axes, keepdim, single, largest)(x)


def _max_or_min(x, dim, keepdim, axis, keepdims, largest):
    op = "max" if largest else "min"
    if isinstance(dim, Tensor) or (dim is not None and not isinstance(dim, (numbers.Integral, tuple, list))):
        if keepdim or axis is not None or keepdims is not None:
            raise TypeError(f"{op}(input, other): the elementwise form takes no dim or keepdim")
        return (maximum if largest else minimum)(x, dim)  # torch.max(a, b): elementwise
    dim, keepdim = resolve(op, dim, axis, keepdim, keepdims)
    values = _extreme(x, dim, keepdim, largest, op)
    if dim is None or isinstance(dim, (tuple, list)):
        return values  # the value only (a tuple of dims is amax/amin, mathdl's extension)
    indices = (argmax if largest else argmin)(x, dim, keepdim)
    return ValuesIndices(values, indices)


def max(
    x: TensorLike,
    dim: DimArg = None,
    keepdim: bool = False,
    *,
    axis: DimArg = None,
    keepdims: bool | None = None,
):
    """``max(x)``: the largest element (gradient split evenly over ties, as ``torch.max(x)``).
    ``max(x, dim)``: a named tuple ``(values, indices)`` along ``dim`` (gradient to the first
    maximum, the one ``indices`` names, as ``torch.max(x, dim)``). ``max(a, b)`` with a Tensor ``b``
    is the elementwise maximum, as ``torch.max(a, b)``.

    >>> max(Tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    ValuesIndices(values=tensor([5., 7.]), indices=tensor([1, 0]))
    """
    return _max_or_min(x, dim, keepdim, axis, keepdims, True)


def min(
    x: TensorLike,
    dim: DimArg = None,
    keepdim: bool = False,
    *,
    axis: DimArg = None,
    keepdims: bool | None = None,
):
    """The smallest element, ``(values, indices)`` along ``dim``, or the elementwise minimum
    with a Tensor second argument (see ``max``).

    >>> import mathdl as md
    >>> x = md.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> md.min(x).item(), md.min(x, dim=1).indices.tolist()
    (1.0, [0, 1])
    """
    return _max_or_min(x, dim, keepdim, axis, keepdims, False)


def amax(
    x: TensorLike,
    dim: DimArg = (),
    keepdim: bool = False,
    *,
    axis: DimArg = None,
    keepdims: bool | None = None,
) -> Tensor:
    """The maximum over ``dim`` (an int or tuple; ``()`` or None: all), values only, as
    ``torch.amax``: the gradient is split evenly between tied maxima.

    >>> amax(Tensor([[1.0, 5.0], [7.0, 2.0]]), dim=0)
    tensor([7., 5.])
    """
    dim, keepdim = resolve("amax", None if dim == () else dim, axis, keepdim, keepdims)
    x = as_tensor(x)
    axes = normalize_axes(dim, x.ndim, "amax")
    _check_nonempty(x, axes, "amax")
    return MaxMin(axes, keepdim, False, True)(x)


def amin(
    x: TensorLike,
    dim: DimArg = (),
    keepdim: bool = False,
    *,
    axis: DimArg = None,
    keepdims: bool | None = None,
) -> Tensor:
    """The minimum over ``dim``, values only, as ``torch.amin`` (ties share the gradient).

    >>> import mathdl as md
    >>> md.amin(md.tensor([[1.0, 5.0], [7.0, 2.0]]), 0).tolist()
    [1.0, 2.0]
    """
    dim, keepdim = resolve("amin", None if dim == () else dim, axis, keepdim, keepdims)
    x = as_tensor(x)
    axes = normalize_axes(dim, x.ndim, "amin")
    _check_nonempty(x, axes, "amin")
    return MaxMin(axes, keepdim, False, False)(x)


def _arg_extreme(x, dim, keepdim, axis, keepdims, largest):
    op = "argmax" if largest else "argmin"
    dim, keepdim = resolve(op, dim, axis, keepdim, keepdims)
    data = as_tensor(x).array
    pick = np.argmax if largest else np.argmin
    if dim is None:
        if data.size == 0:
            raise ValueError(f"{op}: the tensor is empty")
        index = np.asarray(pick(data), dtype=np.int64)
        return Tensor(index.reshape((1,) * data.ndim) if keepdim else index)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be one int, got {dim!r}")
    axes = normalize_axes(dim, data.ndim, op)
    if not axes:  # a 0-d tensor: its only element
        return Tensor(np.zeros((), dtype=np.int64))
    _check_nonempty(Tensor(data), axes, op)
    return Tensor(pick(data, axis=axes[0], keepdims=keepdim).astype(np.int64))


def argmax(
    x: TensorLike,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    axis: int | None = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Index of the (first) maximum along ``dim``, int64; over the flattened tensor when
    ``dim`` is None, as ``torch.argmax``.

    >>> argmax(Tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    tensor([1, 0])
    """
    return _arg_extreme(x, dim, keepdim, axis, keepdims, True)


def argmin(
    x: TensorLike,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    axis: int | None = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Index of the (first) minimum along ``dim``, int64 (flattened when ``dim`` is None).

    >>> import mathdl as md
    >>> md.argmin(md.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1).tolist()
    [0, 1]
    """
    return _arg_extreme(x, dim, keepdim, axis, keepdims, False)


def logsumexp(
    x: TensorLike,
    dim: DimArg = None,
    keepdim: bool = False,
    *,
    axis: DimArg = None,
    keepdims: bool | None = None,
) -> Tensor:
    """log Σ exp(x) over ``dim``, computed with the max-shift so it never overflows.

    >>> logsumexp(Tensor([0.0, 0.0]))
    tensor(0.6931472)
    """
    dim, keepdim = resolve("logsumexp", dim, axis, keepdim, keepdims)
    x = _floating(x)
    axes = normalize_axes(dim, x.ndim, "logsumexp")
    return LogSumExp(axes, keepdim)(x)


def _logical(x, dim, keepdim, axis, keepdims, reduce, op):
    dim, keepdim = resolve(op, dim, axis, keepdim, keepdims)
    data = as_tensor(x).array
    axes = normalize_axes(dim, data.ndim, op)
    return Tensor(reduce(data.astype(bool, copy=False), axis=axes, keepdims=keepdim))


def any(
    x: TensorLike,
    dim: DimArg = None,
    keepdim: bool = False,
    *,
    axis: DimArg = None,
    keepdims: bool | None = None,
) -> Tensor:
    """True where any element along ``dim`` is non-zero (a bool tensor; no gradient).

    >>> any(Tensor([[0.0, 1.0], [0.0, 0.0]]), dim=1)
    tensor([ True, False])
    """
    return _logical(x, dim, keepdim, axis, keepdims, np.any, "any")


def all(
    x: TensorLike,
    dim: DimArg = None,
    keepdim: bool = False,
    *,
    axis: DimArg = None,
    keepdims: bool | None = None,
) -> Tensor:
    """True where every element along ``dim`` is non-zero (a bool tensor; no gradient).

    >>> import mathdl as md
    >>> md.all(md.tensor([True, False])).item(), md.all(md.tensor([[True], [True]]), dim=1).tolist()
    (False, [True, True])
    """
    return _logical(x, dim, keepdim, axis, keepdims, np.all, "all")


# The softmax family moved to mathdl.ops.softmax; these names stay importable from here.
from mathdl.ops.softmax import LogSoftmax, Softmax, log_softmax, softmax  # noqa: E402

__all__ = [
    "LogSoftmax",
    "Softmax",
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "log_softmax",
    "logsumexp",
    "max",
    "mean",
    "min",
    "softmax",
    "std",
    "sum",
    "var",
]
