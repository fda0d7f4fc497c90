"""Shape ops: they move, copy or select elements; their gradients move the adjoints back.

Each backward is the "transpose" of its forward as a linear map: reshape ↔ reshape,
transpose ↔ inverse transpose, broadcast ↔ sum, select (indexing) ↔ scatter-add, concatenate ↔ split.
"""

import numbers

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.dims import one_dim


def _normalize_axis(axis, ndim, op):
    if not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: axis must be an integer, got {type(axis).__name__}")
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor with {ndim} dimensions")
    return axis % ndim if ndim else 0


# ----- reshape family ---------------------------------------------------------------------
class Reshape(Function):
    """y = x viewed with a new shape (same elements in row-major order); ∂L/∂x = reshape(ȳ, x.shape)."""

    saves = ()
    view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into shape {self.shape}"
            ) from None

    def backward(self, gy):
        return reshape(gy, self.inputs[0].shape)


def reshape(x, shape):
    """x with shape ``shape`` (one entry may be -1). Shapes (…) -> ``shape``."""
    x = as_tensor(x)
    shape = tuple(int(s) for s in shape) if isinstance(shape, (tuple, list)) else (int(shape),)
    if x.shape == shape:
        return x
    return Reshape(shape)(x)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` (inclusive) into one, like ``torch.flatten``."""
    x = as_tensor(x)
    if x.ndim == 0:
        return reshape(x, (1,))
    start = _normalize_axis(start_dim, x.ndim, "flatten")
    end = _normalize_axis(end_dim, x.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:start] + (int(np.prod(x.shape[start : end + 1])),) + x.shape[end + 1 :]
    return reshape(x, shape)


def squeeze(x, dim=None, *, axis=None):
    """Remove size-1 dimensions (all of them, or those at ``dim``: an int or a tuple), as
    ``torch.squeeze``; a ``dim`` whose size is not 1 is left alone.

    >>> squeeze(Tensor(np.zeros((2, 1, 3))), dim=1).shape
    (2, 3)
    """
    x = as_tensor(x)
    axis = one_dim("squeeze", dim, axis)
    if axis is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
        axes = {_normalize_axis(a, x.ndim, "squeeze") for a in axes}
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in axes and s == 1))
    return reshape(x, shape)


def unsqueeze(x, dim=None, *, axis=None):
    """Insert a size-1 dimension at position ``dim`` (``torch.unsqueeze``, ``np.expand_dims``).

    >>> unsqueeze(Tensor(np.zeros(3)), 0).shape
    (1, 3)
    """
    x = as_tensor(x)
    axis = one_dim("unsqueeze", dim, axis)
    if axis is None:
        raise TypeError("unsqueeze: missing the dim argument")
    axis = _normalize_axis(axis, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


expand_dims = unsqueeze


class Transpose(Function):
    """y = x with its axes permuted: y[i_{p(0)}, …] = x[i_0, …]; ∂L/∂x = ȳ permuted by p⁻¹."""

    saves = ()
    view = True

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return transpose(gy, None)
        return transpose(gy, tuple(np.argsort(self.axes)))


def transpose(x, dim0=None, dim1=None, *, axes=None):
    """``transpose(x, dim0, dim1)`` swaps two dimensions, as ``torch.transpose``;
    ``transpose(x)`` reverses them and ``transpose(x, (2, 0, 1))`` permutes them, as
    ``np.transpose``.

    >>> transpose(Tensor(np.zeros((2, 3, 4))), 0, 2).shape
    (4, 3, 2)
    """
    x = as_tensor(x)
    if isinstance(dim0, numbers.Integral) and isinstance(dim1, numbers.Integral):
        if axes is not None:
            raise TypeError("transpose: got both (dim0, dim1) and axes; pass one")
        return swapaxes(x, dim0, dim1)
    if dim1 is not None:
        raise TypeError(f"transpose: expected two int dims or one permutation, got {dim0!r}, {dim1!r}")
    if dim0 is not None:
        if axes is not None:
            raise TypeError("transpose: got both a positional permutation and axes; pass one")
        axes = dim0
    if axes is not None:
        axes = tuple(int(a) for a in axes)
        if len(axes) != x.ndim or sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(
                f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of a "
                f"tensor of shape {x.shape}"
            )
        axes = tuple(a % x.ndim for a in axes)
    return Transpose(axes)(x)


def permute(x, dims):
    """The dimensions reordered by ``dims`` (a permutation), as ``torch.permute``."""
    return transpose(x, axes=tuple(dims))


def swapaxes(x, axis1, axis2):
    """Exchange two axes (``torch.transpose(x, dim0, dim1)``)."""
    x = as_tensor(x)
    axes = list(range(x.ndim))
    a, b = _normalize_axis(axis1, x.ndim, "swapaxes"), _normalize_axis(axis2, x.ndim, "swapaxes")
    axes[a], axes[b] = axes[b], axes[a]
    return Transpose(tuple(axes))(x)


# ----- broadcasting and its adjoint -------------------------------------------------------
class BroadcastTo(Function):
    """y = x repeated along broadcast axes to ``shape``; ∂L/∂x = ȳ summed over those axes."""

    saves = ()
    view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        try:
            return np.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {self.shape}") from None

    def backward(self, gy):
        return sum_to(gy, self.inputs[0].shape)


def broadcast_to(x, shape):
    """x broadcast (read-only view) to ``shape``."""
    x = as_tensor(x)
    shape = tuple(int(s) for s in shape)
    if x.shape == shape:
        return x
    return BroadcastTo(shape)(x)


def _sum_to_array(g, shape):
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    return g


class SumTo(Function):
    """y = x summed over the axes that broadcasting from ``shape`` would have created.

    The adjoint of broadcasting: if z = broadcast(x) then ∂L/∂x = sum_to(∂L/∂z, x.shape).
    """

    saves = ()

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return _sum_to_array(x, self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.inputs[0].shape)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (the reverse of broadcasting ``shape`` up to ``x.shape``)."""
    if x.shape == tuple(shape):
        return x
    return SumTo(tuple(shape))(x)


def grad_like(g, x):
    """A gradient ``g`` reduced to the shape of input ``x`` and cast to its dtype."""
    if g.shape != x.shape:
        g = sum_to(g, x.shape)
    if g.dtype != x.dtype and x.dtype.kind == "f":
        g = g.astype(x.dtype)
    return g


# ----- indexing -------------------------------------------------------------------------------
def _normalize_index(index):
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        return tuple(_normalize_index(i) for i in index)
    return index


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (numbers.Integral, slice)) or i is None or i is Ellipsis for i in parts)


def _is_single_row_gather(index):
    return isinstance(index, np.ndarray) and index.dtype.kind in "iu"


class GetItem(Function):
    """y = x[index] (slices, integers, integer arrays, boolean masks).

    ∂L/∂x is ȳ scattered back into a zero tensor of x's shape, adding where an index repeats.
    (With slices and integers only the result is a view of x: ``view``.)
    """

    saves = ()

    def __init__(self, index):
        self.index = index
        self.view = _is_basic(index)

    def forward(self, x):
        try:
            return x[self.index]
        except IndexError as error:
            raise IndexError(f"index into a tensor of shape {x.shape}: {error}") from None

    def backward(self, gy):
        return ScatterAdd(self.index, self.inputs[0].shape)(gy)


class ScatterAdd(Function):
    """y = zeros(shape); y[index] += x (repeated indices add). The adjoint of ``x[index]``.

    Its own adjoint is indexing again: ∂L/∂x = ȳ[index].
    """

    saves = ()

    def __init__(self, index, shape):
        self.index = index
        self.shape = shape

    def forward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        index = self.index
        if _is_basic(index) or (isinstance(index, np.ndarray) and index.dtype == bool):
            out[index] = g  # no element is selected twice
        elif _is_single_row_gather(index):
            _scatter_rows(out, index, g)
        else:
            np.add.at(out, index, g)
        return out

    def backward(self, gy):
        return getitem(gy, self.index)


def _scatter_rows(out, rows, g):
    # out[rows[k]] += g[k] along axis 0, with repeated rows summed: sort once, add each run of
    # equal rows with one reduceat, then write each distinct row once (much faster than np.add.at).
    flat_rows = rows.reshape(-1)
    if flat_rows.size == 0:
        return
    flat_rows = np.where(flat_rows < 0, flat_rows + out.shape[0], flat_rows)
    g = g.reshape((flat_rows.size,) + out.shape[1:])
    order = np.argsort(flat_rows, kind="stable")
    sorted_rows = flat_rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    out[sorted_rows[starts]] += np.add.reduceat(g[order], starts, axis=0)


def getitem(x, index):
    """x[index] with NumPy's indexing rules; index Tensors and lists are accepted."""
    x = as_tensor(x)
    return GetItem(_normalize_index(index))(x)


# ----- joining and padding --------------------------------------------------------------------
class Concatenate(Function):
    """y = [x₁, x₂, …] joined along ``axis``; ∂L/∂xᵢ is the slice of ȳ that xᵢ filled."""

    saves = ()

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, gy):
        grads, start = [], 0
        for x in self.inputs:
            index = [slice(None)] * gy.ndim
            index[self.axis] = slice(start, start + x.shape[self.axis])
            grads.append(getitem(gy, tuple(index)))
            start += x.shape[self.axis]
        return tuple(grads)


def _check_same_shapes(xs, op, skip_axis=None):
    if not xs:
        raise ValueError(f"{op}: needs at least one tensor")
    first = xs[0].shape
    for position, x in enumerate(xs):
        if len(x.shape) != len(first) or any(
            a != b for i, (a, b) in enumerate(zip(x.shape, first)) if i != skip_axis
        ):
            what = "all dimensions" if skip_axis is None else f"all dimensions except axis {skip_axis}"
            raise ValueError(
                f"{op}: tensors must match in {what}: tensor 0 has shape {first}, "
                f"tensor {position} has shape {x.shape}"
            )


def concatenate(tensors, axis=None, *, dim=None):
    """Join tensors along an existing axis (default 0), as ``np.concatenate`` (``torch.cat`` is
    ``cat``; ``dim`` is accepted as an alias)."""
    axis = one_dim("concatenate", dim, axis, 0)
    if isinstance(tensors, Tensor):
        raise TypeError("concatenate: expected a sequence of tensors, got one Tensor")
    xs = [as_tensor(t) for t in tensors]
    if not xs:
        raise ValueError("concatenate: needs at least one tensor")
    if xs[0].ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated; use stack")
    axis = _normalize_axis(axis, xs[0].ndim, "concatenate")
    _check_same_shapes(xs, "concatenate", skip_axis=axis)
    return Concatenate(axis)(*xs)


def cat(tensors, dim=None, *, axis=None, out=None):
    """Join tensors along an existing dimension ``dim`` (default 0), as ``torch.cat``.

    >>> cat([Tensor(np.zeros((2, 3))), Tensor(np.ones((1, 3)))], dim=0).shape
    (3, 3)
    """
    if out is not None:
        raise TypeError("cat: out= is not supported; assign the result instead")
    return concatenate(tensors, dim=one_dim("cat", dim, axis, 0))


concat = cat


class Stack(Function):
    """y[…, i, …] = xᵢ: tensors of one shape stacked along a new ``axis``; ∂L/∂xᵢ = ȳ[…, i, …]."""

    saves = ()

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, gy):
        index = [slice(None)] * gy.ndim
        grads = []
        for i in range(len(self.inputs)):
            index[self.axis] = i
            grads.append(getitem(gy, tuple(index)))
        return tuple(grads)


def stack(tensors, dim=None, *, axis=None):
    """Stack tensors of equal shape along a new dimension ``dim`` (default 0), as ``torch.stack``
    and ``np.stack``.

    >>> stack([Tensor(np.zeros(3)), Tensor(np.ones(3))], dim=1).shape
    (3, 2)
    """
    axis = one_dim("stack", dim, axis, 0)
    if isinstance(tensors, Tensor):
        raise TypeError("stack: expected a sequence of tensors, got one Tensor")
    xs = [as_tensor(t) for t in tensors]
    if not xs:
        raise ValueError("stack: needs at least one tensor")
    _check_same_shapes(xs, "stack")
    axis = _normalize_axis(axis, xs[0].ndim + 1, "stack")
    return Stack(axis)(*xs)


class Pad(Function):
    """Constant padding: y = x surrounded by ``value``; ∂L/∂x = the centre of ȳ (where x sits)."""

    saves = ()

    def __init__(self, pad_width, value):
        self.pad_width = pad_width
        self.value = value

    def forward(self, x):
        return np.pad(x, self.pad_width, mode="constant", constant_values=self.value)

    def backward(self, gy):
        index = tuple(slice(before, gy.shape[i] - after) for i, (before, after) in enumerate(self.pad_width))
        return getitem(gy, index)


def pad(x, pad_width, value=0.0):
    """Pad with a constant. ``pad_width`` as in ``np.pad``: an int, a (before, after) pair, or one
    pair per axis."""
    x = as_tensor(x)
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not fit a tensor with {x.ndim} dimensions; "
            f"give an int, a (before, after) pair, or {x.ndim} pairs"
        ) from None
    if (widths < 0).any():
        raise ValueError(f"pad: pad widths must be non-negative, got {pad_width!r}")
    return Pad(tuple((int(a), int(b)) for a, b in widths), value)(x)
