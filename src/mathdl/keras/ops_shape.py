"""``keras.ops`` shape, indexing and product functions (re-exported by ``keras.ops``): reshape,
transpose, concatenate, stack, split, tile, repeat, flip, pad, take, take_along_axis, sort,
top_k, one_hot, matmul, dot, outer, einsum, tensordot — differentiable where the result depends
smoothly on the input (gathers and products), constants otherwise (argsort, one_hot)."""

import numpy as np

from mathdl import backend
from mathdl import ops as md
from mathdl.autograd.tensor import Tensor
from mathdl.keras.ops import _pair, _t, convert_to_numpy, op


# ----- shapes ----------------------------------------------------------------------------------------
@op
def reshape(x, newshape):
    return md.reshape(_t(x), tuple(newshape) if not isinstance(newshape, int) else (newshape,))


@op
def transpose(x, axes=None):
    return md.transpose(_t(x), axes)


@op
def swapaxes(x, axis1, axis2):
    return md.swapaxes(_t(x), axis1, axis2)


@op
def moveaxis(x, source, destination):
    x = _t(x)
    order = list(range(x.ndim))
    order.insert(destination % x.ndim, order.pop(source % x.ndim))
    return md.transpose(x, tuple(order))


@op
def expand_dims(x, axis):
    return md.unsqueeze(_t(x), axis)


@op
def squeeze(x, axis=None):
    return md.squeeze(_t(x), axis)


@op
def concatenate(xs, axis=0):
    return md.concatenate([_t(x) for x in xs], axis=axis)


@op
def stack(x, axis=0):
    return md.stack([_t(t) for t in x], axis=axis)


@op
def split(x, indices_or_sections, axis=0):
    x = _t(x)
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(
                f"split: axis of size {n} does not divide into {indices_or_sections} equal parts"
            )
        bounds = list(range(0, n + 1, n // indices_or_sections))
    else:
        bounds = [0] + list(indices_or_sections) + [n]
    prefix = (slice(None),) * (axis % x.ndim)
    return [md.getitem(x, prefix + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:])]


@op
def broadcast_to(x, shape):
    return md.broadcast_to(_t(x), tuple(shape))


@op
def tile(x, repeats):
    x = _t(x)
    repeats = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    repeats = (1,) * (x.ndim - len(repeats)) + repeats
    for axis, count in enumerate(repeats):
        if count != 1:
            x = md.concatenate([x] * count, axis=axis)
    return x


@op
def repeat(x, repeats, axis=None):
    x = _t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis % x.ndim
    expanded = md.unsqueeze(x, axis + 1)
    shape = list(expanded.shape)
    shape[axis + 1] = int(repeats)
    tiled = md.broadcast_to(expanded, tuple(shape))
    out_shape = list(x.shape)
    out_shape[axis] *= int(repeats)
    return tiled.reshape(tuple(out_shape))


@op
def flip(x, axis=None):
    x = _t(x)
    axes = range(x.ndim) if axis is None else ([axis] if isinstance(axis, int) else axis)
    index = [slice(None)] * x.ndim
    for a in axes:
        index[a] = slice(None, None, -1)
    return x[tuple(index)]


@op
def pad(x, pad_width, mode="constant", constant_values=0):
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    return md.pad(_t(x), pad_width, constant_values)


@op
def getitem(x, index):
    return _t(x)[index]


@op
def take(x, indices, axis=None):
    x = _t(x)
    indices = convert_to_numpy(indices)
    if axis is None:
        return x.reshape(-1)[indices]
    return x[(slice(None),) * (axis % x.ndim) + (indices,)]


@op
def take_along_axis(x, indices, axis=None):
    x = _t(x)
    indices = convert_to_numpy(indices)
    if axis is None:
        return x.reshape(-1)[indices.reshape(-1)]
    axis = axis % x.ndim
    grids = list(np.ix_(*[np.arange(s) for s in indices.shape]))
    grids[axis] = indices
    return x[tuple(grids)]


@op
def sort(x, axis=-1):
    order = np.argsort(convert_to_numpy(x), axis=axis, kind="stable")
    return take_along_axis(x, order, axis)


@op
def argsort(x, axis=-1):
    return Tensor(np.argsort(convert_to_numpy(x), axis=axis, kind="stable"))


@op
def top_k(x, k, sorted=True):
    """(values, indices) of the k largest entries along the last axis."""
    array = convert_to_numpy(x)
    indices = np.argsort(-array, axis=-1, kind="stable")[..., :k]
    return take_along_axis(x, indices, -1), Tensor(indices)


@op
def one_hot(x, num_classes, axis=-1, dtype=None):
    labels = convert_to_numpy(x).astype(np.int64)
    out = np.eye(num_classes, dtype=dtype or backend.get_default_dtype())[labels]
    return Tensor(np.moveaxis(out, -1, axis))


# ----- products -----------------------------------------------------------------------------------------
@op
def matmul(x1, x2):
    a, b = _pair(x1, x2)
    return md.matmul(a, b)


@op
def dot(x1, x2):
    a, b = _pair(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return md.matmul(a, b)


@op
def outer(x1, x2):
    a, b = _pair(x1, x2)
    return a.reshape(-1, 1) * b.reshape(1, -1)


@op
def einsum(subscripts, *operands):
    return md.einsum(subscripts, *[_t(o) for o in operands])


@op
def tensordot(x1, x2, axes=2):
    a, b = _pair(x1, x2)
    if isinstance(axes, int):
        axes = (list(range(a.ndim - axes, a.ndim)), list(range(axes)))
    letters = "abcdefghijklmnopqrstuvwxyz"
    sa = list(letters[: a.ndim])
    sb = list(letters[a.ndim : a.ndim + b.ndim])
    for i, j in zip(axes[0], axes[1]):
        sb[j] = sa[i]
    contracted = {sa[i] for i in axes[0]}
    out = [c for c in sa if c not in contracted] + [c for c in sb if c not in contracted]
    return md.einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


__all__ = [
    "argsort",
    "broadcast_to",
    "concatenate",
    "dot",
    "einsum",
    "expand_dims",
    "flip",
    "getitem",
    "matmul",
    "moveaxis",
    "one_hot",
    "outer",
    "pad",
    "repeat",
    "reshape",
    "sort",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "take",
    "take_along_axis",
    "tensordot",
    "tile",
    "top_k",
    "transpose",
]
