"""More ``keras.ops`` functions (re-exported by ``keras.ops``): elementwise helpers, triangles,
rolls, running products, simple statistics and type queries. Differentiable where the result is a
smooth function of the input (tril/triu are masks, roll and append are gathers/concatenations,
cumprod a running product); the rest return constants.

    tril(x, k) / triu(x, k)   x ⊙ mask of the lower / upper triangle (offset k)
    roll(x, shift, axis)      entries moved by ``shift`` positions along ``axis``, cyclically
    cumprod(x, axis)          running products   logaddexp(a, b)  log(eᵃ + eᵇ), stable
    divide_no_nan(a, b)       a / b, and 0 where b = 0     trace(x)  Σ_i x_ii
    median(x, axis)           middle value (mean of the two middle ones for even n)
    average(x, axis, weights) Σ w x / Σ w
"""

import builtins

import numpy as np

from mathdl import backend
from mathdl import ops as md
from mathdl.autograd.tensor import Tensor
from mathdl.keras.ops import _pair, _t, convert_to_numpy, op

_slice = builtins.slice


@op
def get_item(x, key):
    return _t(x)[key]


@op
def ravel(x):
    return _t(x).reshape(-1)


@op
def hstack(xs):
    xs = [_t(x) for x in xs]
    return md.concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


@op
def vstack(xs):
    return md.concatenate([_t(x).reshape(1, -1) if _t(x).ndim == 1 else _t(x) for x in xs], axis=0)


@op
def unstack(x, num=None, axis=0):
    x = _t(x)
    prefix = (_slice(None),) * (axis % x.ndim)
    return [x[prefix + (i,)] for i in range(x.shape[axis])]


@op
def append(x1, x2, axis=None):
    a, b = _pair(x1, x2)
    if axis is None:
        return md.concatenate([a.reshape(-1), b.reshape(-1)], axis=0)
    return md.concatenate([a, b], axis=axis)


@op
def tril(x, k=0):
    x = _t(x)
    return x * Tensor(np.tril(np.ones(x.shape[-2:], dtype=x.dtype), k))


@op
def triu(x, k=0):
    x = _t(x)
    return x * Tensor(np.triu(np.ones(x.shape[-2:], dtype=x.dtype), k))


@op
def trace(x, offset=0, axis1=0, axis2=1):
    x = _t(x)
    n, m = x.shape[axis1], x.shape[axis2]
    mask = np.eye(n, m, offset, dtype=x.dtype)
    moved = md.swapaxes(md.swapaxes(x, axis1, -2), axis2 if axis2 != x.ndim - 2 else axis1, -1)
    return md.sum(moved * Tensor(mask), (-2, -1))


@op
def roll(x, shift, axis=None):
    x = _t(x)
    if axis is None:
        return roll(x.reshape(-1), shift, 0).reshape(x.shape)
    n = x.shape[axis]
    order = (np.arange(n) - shift) % n
    return x[(_slice(None),) * (axis % x.ndim) + (order,)]


@op
def cumprod(x, axis=None, dtype=None):
    x = _t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis % x.ndim
    prefix = (_slice(None),) * axis
    running = x[prefix + (_slice(0, 1),)]
    parts = [running]
    for i in range(1, x.shape[axis]):
        running = running * x[prefix + (_slice(i, i + 1),)]
        parts.append(running)
    return md.concatenate(parts, axis=axis)


@op
def logaddexp(x1, x2):
    a, b = _pair(x1, x2)
    high = md.maximum(a, b)
    return high + md.log1p(md.exp(-md.abs(a - b)))


@op
def divide_no_nan(x1, x2):
    a, b = _pair(x1, x2)
    zero = convert_to_numpy(b) == 0
    safe = md.where(zero, Tensor(np.ones((), dtype=b.dtype)), b)
    return md.where(zero, Tensor(np.zeros((), dtype=a.dtype)), a / safe)


@op
def floor_divide(x1, x2):
    return Tensor(np.floor_divide(convert_to_numpy(x1), convert_to_numpy(x2)))


@op
def mod(x1, x2):
    return Tensor(np.mod(convert_to_numpy(x1), convert_to_numpy(x2)))


@op
def logical_xor(x1, x2):
    return Tensor(np.logical_xor(convert_to_numpy(x1), convert_to_numpy(x2)))


@op
def isinf(x):
    return Tensor(np.isinf(convert_to_numpy(x)))


@op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return Tensor(np.isclose(convert_to_numpy(x1), convert_to_numpy(x2), rtol, atol, equal_nan))


@op
def nonzero(x):
    return tuple(Tensor(i) for i in np.nonzero(convert_to_numpy(x)))


@op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return Tensor(np.nan_to_num(convert_to_numpy(x), nan=nan, posinf=posinf, neginf=neginf))


@op
def median(x, axis=None, keepdims=False):
    from mathdl.keras.ops_shape import sort

    x = _t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis % x.ndim
    ordered = sort(x, axis=axis)
    n = x.shape[axis]
    prefix = (_slice(None),) * axis
    middle = ordered[prefix + (_slice((n - 1) // 2, n // 2 + 1),)]
    return md.mean(middle, axis, keepdims=keepdims)


@op
def average(x, axis=None, weights=None):
    x = _t(x)
    if weights is None:
        return md.mean(x, axis)
    w = _t(weights).astype(x.dtype)
    if axis is not None and w.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        w = w.reshape(tuple(shape))
    return md.sum(x * w, axis) / md.sum(md.broadcast_to(w, x.shape), axis)


@op
def multi_hot(inputs, num_classes, axis=-1, dtype=None):
    ids = convert_to_numpy(inputs).astype(np.int64)
    out = np.zeros(ids.shape[:-1] + (num_classes,), dtype=dtype or backend.get_default_dtype())
    np.put_along_axis(out, ids, 1, axis=-1)
    return Tensor(out)


@op
def in_top_k(targets, predictions, k):
    scores = convert_to_numpy(predictions)
    labels = convert_to_numpy(targets).astype(np.int64)
    own = np.take_along_axis(scores, labels[:, None], axis=1)
    return Tensor((scores > own).sum(axis=1) < k)


def meshgrid(*x, indexing="xy"):
    return [Tensor(g) for g in np.meshgrid(*[convert_to_numpy(v) for v in x], indexing=indexing)]


def empty(shape, dtype=None):
    return Tensor(np.zeros(shape, dtype=dtype or backend.get_default_dtype()))


def is_tensor(x):
    return isinstance(x, Tensor)


def dtype(x):
    return np.dtype(_t(x).dtype).name


def diag(x, k=0):
    """A diagonal matrix from a vector, or the k-th diagonal of a matrix (differentiable)."""
    x = _t(x)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        rows, cols = np.arange(x.shape[0]) + max(0, -k), np.arange(x.shape[0]) + max(0, k)
        scatter = np.zeros((n * n, x.shape[0]), dtype=x.dtype)
        scatter[rows * n + cols, np.arange(x.shape[0])] = 1.0
        return md.matmul(Tensor(scatter), x.reshape(-1, 1)).reshape(n, n)
    length = len(np.diag(np.empty(x.shape), k))
    rows, cols = np.arange(length) + max(0, -k), np.arange(length) + max(0, k)
    return x[rows, cols]


def slice(inputs, start_indices, shape):
    """The block of ``shape`` starting at ``start_indices`` (a differentiable gather)."""
    x = _t(inputs)
    return x[tuple(_slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))]


__all__ = [
    "append",
    "average",
    "cumprod",
    "diag",
    "divide_no_nan",
    "dtype",
    "empty",
    "floor_divide",
    "get_item",
    "hstack",
    "in_top_k",
    "is_tensor",
    "isclose",
    "isinf",
    "logaddexp",
    "logical_xor",
    "median",
    "meshgrid",
    "mod",
    "multi_hot",
    "nan_to_num",
    "nonzero",
    "ravel",
    "roll",
    "trace",
    "tril",
    "triu",
    "unstack",
    "vstack",
    "slice",
]
