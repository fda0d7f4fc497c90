"""Ops that move, repeat or mask elements without arithmetic: repeat, flip, roll, tril/triu,
and the splitting and gridding helpers (chunk, split, narrow, meshgrid) and batched products.

Each gradient moves the adjoints back the way the forward moved the values: flip ↔ flip,
roll by s ↔ roll by −s, repeat ↔ sum of the copies, tril ↔ tril.
"""

import numbers

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.ops.dims import one_dim
from mathdl.ops.shape import _normalize_axis, broadcast_to, getitem, reshape


class Repeat(Function):
    """y = x tiled ``reps[d]`` times along each dimension d (``torch.Tensor.repeat``, ``np.tile``);
    ∂L/∂x = Σ over the copies: ȳ reshaped to (r₀, s₀, r₁, s₁, …) summed over the r axes."""

    saves = ()

    def __init__(self, reps):
        self.reps = reps

    def forward(self, x):
        return np.tile(x, self.reps)

    def backward(self, gy):
        from mathdl.ops.reduction import sum

        shape = self.inputs[0].shape
        lead = (1,) * (len(self.reps) - len(shape)) + shape
        interleaved = tuple(v for r, s in zip(self.reps, lead) for v in (r, s))
        summed = sum(reshape(gy, interleaved), tuple(range(0, len(interleaved), 2)))
        return reshape(summed, shape)


def repeat(x, repeats):
    """``x`` tiled ``repeats[d]`` times along dimension d, as ``torch.Tensor.repeat`` (``repeats``
    has at least ``x.ndim`` entries; extra ones add leading dimensions).

    >>> from mathdl import tensor
    >>> repeat(tensor([1.0, 2.0]), (2, 2))
    tensor([[1., 2., 1., 2.],
            [1., 2., 1., 2.]])
    """
    x = as_tensor(x)
    repeats = tuple(int(r) for r in ((repeats,) if isinstance(repeats, numbers.Integral) else repeats))
    if len(repeats) < x.ndim:
        raise ValueError(
            f"repeat: {len(repeats)} repeats for a tensor with {x.ndim} dimensions (need at least {x.ndim})"
        )
    if any(r < 0 for r in repeats):
        raise ValueError(f"repeat: repeats must be non-negative, got {repeats}")
    return Repeat(repeats)(x)


class Flip(Function):
    """y = x reversed along ``dims``;  ∂L/∂x = ȳ reversed along the same dims."""

    saves = ()

    def __init__(self, dims):
        self.dims = dims

    def forward(self, x):
        return np.flip(x, self.dims).copy()

    def backward(self, gy):
        return Flip(self.dims)(gy)


def flip(x, dims):
    """``x`` reversed along each dimension in ``dims`` (an int or a sequence), as ``torch.flip``.

    >>> from mathdl import tensor
    >>> flip(tensor([1.0, 2.0, 3.0]), 0)
    tensor([3., 2., 1.])
    """
    x = as_tensor(x)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    return Flip(tuple(_normalize_axis(d, x.ndim, "flip") for d in dims))(x)


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``dims`` (flattened when dims is None);
    ∂L/∂x = ȳ rolled back by −shifts."""

    saves = ()

    def __init__(self, shifts, dims):
        self.shifts, self.dims = shifts, dims

    def forward(self, x):
        return np.roll(x, self.shifts, self.dims)

    def backward(self, gy):
        back = -self.shifts if self.dims is None else tuple(-s for s in self.shifts)
        return Roll(back, self.dims)(gy)


def roll(x, shifts, dims=None):
    """Elements shifted cyclically, as ``torch.roll``: by ``shifts`` along ``dims`` (ints or equal
    length sequences), or over the flattened tensor when ``dims`` is None.

    >>> from mathdl import tensor
    >>> roll(tensor([1.0, 2.0, 3.0]), 1)
    tensor([3., 1., 2.])
    """
    x = as_tensor(x)
    if dims is None:
        if not isinstance(shifts, numbers.Integral):
            raise TypeError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        return Roll(int(shifts), None)(x)
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
    dims = tuple(_normalize_axis(d, x.ndim, "roll") for d in dims)
    return Roll(tuple(int(s) for s in shifts), dims)(x)


class Triangle(Function):
    """y = x with the elements above (tril) or below (triu) diagonal k of the last two dimensions
    zeroed;  ∂L/∂x = ȳ masked the same way."""

    saves = ()

    def __init__(self, diagonal, lower):
        self.diagonal, self.lower = diagonal, lower

    def forward(self, x):
        return (np.tril if self.lower else np.triu)(x, self.diagonal)

    def backward(self, gy):
        return Triangle(self.diagonal, self.lower)(gy)


def tril(x, diagonal=0):
    """The lower triangle (on and below diagonal ``diagonal``) of the last two dimensions.

    >>> from mathdl import ones
    >>> tril(ones(2, 2))
    tensor([[1., 0.],
            [1., 1.]])
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"tril: needs a tensor with at least 2 dimensions, got shape {x.shape}")
    return Triangle(int(diagonal), True)(x)


def triu(x, diagonal=0):
    """The upper triangle (on and above diagonal ``diagonal``) of the last two dimensions."""
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"triu: needs a tensor with at least 2 dimensions, got shape {x.shape}")
    return Triangle(int(diagonal), False)(x)


# ----- pieces: narrow, split, chunk (slices, so their gradients come from indexing) -------------
def narrow(x, dim, start, length):
    """Elements ``start … start+length−1`` along ``dim``, as ``torch.narrow`` (a view)."""
    x = as_tensor(x)
    dim = _normalize_axis(dim, x.ndim, "narrow")
    size = x.shape[dim]
    start = int(start) + size if start < 0 else int(start)
    if not (0 <= start <= size and 0 <= length and start + length <= size):
        raise ValueError(f"narrow: start {start} and length {length} exceed dimension {dim} of size {size}")
    index = (slice(None),) * dim + (slice(start, start + length),)
    return getitem(x, index)


def split(x, split_size_or_sections, dim=None, *, axis=None):
    """Pieces along ``dim`` (default 0), as ``torch.split``: of ``split_size_or_sections`` elements each (the last
    may be smaller) when it is an int, or of the given sizes (which must add up) when a list.

    >>> from mathdl import arange
    >>> [p.shape for p in split(arange(5), 2)]
    [(2,), (2,), (1,)]
    """
    x = as_tensor(x)
    dim = _normalize_axis(one_dim("split", dim, axis, 0), x.ndim, "split")
    size = x.shape[dim]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, size - start) for start in range(0, size, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size or any(s < 0 for s in sizes):
            raise ValueError(f"split: sections {sizes} do not add up to dimension {dim}'s size {size}")
    pieces, start = [], 0
    for length in sizes:
        pieces.append(narrow(x, dim, start, length))
        start += length
    return tuple(pieces)


def chunk(x, chunks, dim=None, *, axis=None):
    """``chunks`` pieces of equal size ⌈n/chunks⌉ along ``dim`` (default 0) (the last may be smaller, and there
    may be fewer pieces), as ``torch.chunk``."""
    x = as_tensor(x)
    if not isinstance(chunks, numbers.Integral) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    dim = _normalize_axis(one_dim("chunk", dim, axis, 0), x.ndim, "chunk")
    step = max(-(-x.shape[dim] // int(chunks)), 1)
    return split(x, step, dim)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors, as ``torch.meshgrid``: output i varies along dimension i
    (``indexing="ij"``, the default; PyTorch's warning about the default is not repeated) or, with
    ``indexing="xy"``, the first two dimensions swapped as in ``np.meshgrid``.

    >>> from mathdl import tensor
    >>> [g.shape for g in meshgrid(tensor([1.0, 2.0]), tensor([1.0, 2.0, 3.0]))]
    [(2, 3), (2, 3)]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    xs = [as_tensor(t) for t in tensors]
    for x in xs:
        if x.ndim > 1:
            raise ValueError(f"meshgrid: expects 0-d or 1-d tensors, got shape {x.shape}")
    xs = [reshape(x, (-1,)) for x in xs]
    swap = indexing == "xy" and len(xs) >= 2
    order = [1, 0, *range(2, len(xs))] if swap else list(range(len(xs)))
    shape = tuple(xs[i].shape[0] for i in order)
    grids = []
    for i, x in enumerate(xs):
        position = order.index(i)
        view = [1] * len(xs)
        view[position] = -1
        grids.append(broadcast_to(reshape(x, tuple(view)), shape))
    return tuple(grids)


# ----- products ------------------------------------------------------------------------------------
def bmm(a, b):
    """Batched matrix product of (b, n, k) and (b, k, m) tensors, as ``torch.bmm`` (no broadcasting)."""
    from mathdl.ops.arithmetic import matmul

    a, b = as_tensor(a), as_tensor(b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ValueError(
            f"bmm: expects two 3-d tensors with the same batch size, got {a.shape} and {b.shape}"
        )
    return matmul(a, b)


def mm(a, b):
    """Matrix product of two 2-d tensors, as ``torch.mm`` (no broadcasting)."""
    from mathdl.ops.arithmetic import matmul

    a, b = as_tensor(a), as_tensor(b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm: expects two 2-d tensors, got {a.shape} and {b.shape}")
    return matmul(a, b)
