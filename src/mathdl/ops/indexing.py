"""Indexing along a dimension, as PyTorch: gather, scatter, scatter_add, index_select, masked_fill.

For a 3-d tensor and ``dim=1``, ``gather`` reads  y[i][j][k] = x[i][index[i][j][k]][k]  and
``scatter`` writes  y[i][index[i][j][k]][k] = src[i][j][k]. They are each other's adjoints:
∂L/∂x of a gather is ȳ scatter-added back, ∂L/∂src of a scatter is ȳ gathered.
"""

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.shape import _normalize_axis, getitem, pad


def _along(index, dim):
    """The full NumPy index that reads element [i₀, …, index[i], …] for every position i of index."""
    grids = []
    for axis, n in enumerate(index.shape):
        if axis == dim:
            grids.append(index)
        else:
            shape = [1] * index.ndim
            shape[axis] = n
            grids.append(np.arange(n).reshape(shape))
    return tuple(grids)


def _index_array(index, x, dim, op, other=None):
    index = index.array if isinstance(index, Tensor) else np.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    if index.ndim != x.ndim:
        raise ValueError(f"{op}: index has {index.ndim} dimensions, the input {x.ndim}; they must match")
    for axis, n in enumerate(index.shape):
        if axis != dim and n > x.shape[axis]:
            raise ValueError(
                f"{op}: index shape {index.shape} exceeds the input shape {x.shape} at dim {axis}"
            )
        if other is not None and n > other.shape[axis]:
            raise ValueError(
                f"{op}: index shape {index.shape} exceeds the source shape {other.shape} at dim {axis}"
            )
    size = x.shape[dim]
    if index.size and (index.min() < -size or index.max() >= size):
        raise IndexError(f"{op}: index out of range for dimension {dim} of size {size}")
    return np.where(index < 0, index + size, index).astype(np.int64)


class Gather(Function):
    """y[i] = x[i with its ``dim`` coordinate replaced by index[i]];
    ∂L/∂x = ȳ scatter-added to those positions (repeated indices add)."""

    saves = ()

    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, x):
        return x[_along(self.index, self.dim)]

    def backward(self, gy):
        return ScatterAddInto(self.dim, self.index, self.inputs[0].shape)(gy)


class ScatterAddInto(Function):
    """y = zeros(shape) with y[… index[i] …] += g[i] (the adjoint of ``Gather``);  ∂L/∂g = gather(ȳ)."""

    saves = ()

    def __init__(self, dim, index, shape):
        self.dim, self.index, self.shape = dim, index, shape

    def forward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(out, _along(self.index, self.dim), g)
        return out

    def backward(self, gy):
        return Gather(self.dim, self.index)(gy)


def gather(x, dim, index):
    """Values of ``x`` picked along ``dim`` by ``index`` (same number of dimensions as x), as
    ``torch.gather``: out[i][j] = x[i][index[i][j]] for dim=1. The result has index's shape.

    >>> from mathdl import tensor
    >>> gather(tensor([[1.0, 2.0], [3.0, 4.0]]), 1, tensor([[0, 0], [1, 0]]))
    tensor([[1., 1.],
            [4., 3.]])
    """
    x = as_tensor(x)
    dim = _normalize_axis(dim, x.ndim, "gather")
    return Gather(dim, _index_array(index, x, dim, "gather"))(x)


def _source_gradient(gy, dim, index, src):
    """∂L/∂src of a scatter: ȳ gathered at the written positions, zero-padded to src's shape."""
    picked = Gather(dim, index)(gy)
    if picked.shape != src.shape:
        picked = pad(picked, [(0, s - n) for s, n in zip(src.shape, picked.shape)])
    return picked


class Scatter(Function):
    """y = x with y[… index[i] …] = src[i] along ``dim``;
    ∂L/∂x = ȳ with the written positions zeroed,  ∂L/∂src = ȳ gathered at them."""

    saves = ()

    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, x, src):
        out = x.copy()
        out[_along(self.index, self.dim)] = src[tuple(slice(0, n) for n in self.index.shape)]
        return out

    def backward(self, gy):
        x, src = self.inputs
        keep = np.ones(x.shape, dtype=bool)
        keep[_along(self.index, self.dim)] = False
        gx = gy * keep if x.requires_grad else None
        gs = _source_gradient(gy, self.dim, self.index, src) if src.requires_grad else None
        return gx, gs


class ScatterAddAlong(Function):
    """y = x with y[… index[i] …] += src[i] along ``dim`` (repeats add);
    ∂L/∂x = ȳ,  ∂L/∂src = ȳ gathered at the written positions."""

    saves = ()

    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, x, src):
        out = x.copy()
        np.add.at(out, _along(self.index, self.dim), src[tuple(slice(0, n) for n in self.index.shape)])
        return out

    def backward(self, gy):
        x, src = self.inputs
        gs = _source_gradient(gy, self.dim, self.index, src) if src.requires_grad else None
        return gy, gs


def _scatter_source(x, index, src, value, op):
    if (src is None) == (value is None):
        raise TypeError(f"{op}: give exactly one of src (a tensor) and value (a number)")
    if src is None or not isinstance(src, (Tensor, np.ndarray, list)):
        fill = value if src is None else src
        return Tensor(np.full(np.shape(index), fill, dtype=x.dtype))
    src = as_tensor(src, like=x)
    if src.ndim != x.ndim:
        raise ValueError(f"{op}: src has {src.ndim} dimensions, the input {x.ndim}; they must match")
    return src


def scatter(x, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``x`` with ``src`` (a tensor, or a number) written along ``dim`` at ``index``, as
    ``torch.scatter``: out[i][index[i][j]] = src[i][j] for dim=1. ``reduce="add"`` adds instead.

    >>> from mathdl import zeros, tensor
    >>> scatter(zeros(2, 3), 1, tensor([[2], [0]]), 5.0)
    tensor([[0., 0., 5.],
            [5., 0., 0.]])
    """
    x = as_tensor(x)
    dim = _normalize_axis(dim, x.ndim, "scatter")
    source = _scatter_source(x, index, src, value, "scatter")
    index = _index_array(index, x, dim, "scatter", source)
    if reduce is None:
        return Scatter(dim, index)(x, source)
    if reduce == "add":
        return ScatterAddAlong(dim, index)(x, source)
    raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")


def scatter_add(x, dim, index, src):
    """A copy of ``x`` with ``src`` added along ``dim`` at ``index`` (repeated indices add), as
    ``torch.scatter_add``: out[i][index[i][j]] += src[i][j] for dim=1."""
    x = as_tensor(x)
    dim = _normalize_axis(dim, x.ndim, "scatter_add")
    source = _scatter_source(x, index, src, None, "scatter_add")
    return ScatterAddAlong(dim, _index_array(index, x, dim, "scatter_add", source))(x, source)


def index_select(x, dim, index):
    """The entries ``index`` (a 1-d integer tensor) along ``dim``, as ``torch.index_select``;
    ∂L/∂x adds ȳ back at the selected entries (repeats add)."""
    x = as_tensor(x)
    dim = _normalize_axis(dim, x.ndim, "index_select")
    index = index.array if isinstance(index, Tensor) else np.asarray(index)
    if index.ndim > 1 or index.dtype.kind not in "iu":
        raise TypeError(
            f"index_select: index must be a 1-d integer tensor, got dtype {index.dtype}, shape {index.shape}"
        )
    return getitem(x, (slice(None),) * dim + (index.reshape(-1),))


def masked_fill(x, mask, value):
    """``x`` with ``value`` where ``mask`` (a bool tensor broadcastable to x's shape) is True, as
    ``torch.masked_fill``; ∂L/∂x = ȳ where the mask is False (and ∂L/∂value the rest, summed, when
    value is a tensor).

    >>> from mathdl import tensor
    >>> masked_fill(tensor([1.0, 2.0]), tensor([True, False]), 0.0)
    tensor([0., 2.])
    """
    from mathdl.ops.elementwise import where

    x = as_tensor(x)
    mask_array = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    if mask_array.dtype != bool:
        raise TypeError(f"masked_fill: the mask must be a bool tensor, got dtype {mask_array.dtype}")
    try:
        shape = np.broadcast_shapes(mask_array.shape, x.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise ValueError(f"masked_fill: a mask of shape {mask_array.shape} does not broadcast to {x.shape}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    return where(mask_array, as_tensor(value, like=x), x)
