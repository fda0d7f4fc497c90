"""``F.pad``: constant, reflect, replicate and circular padding with PyTorch's pad tuple.

The pad tuple lists (before, after) pairs starting from the LAST dimension:
``pad=(left, right)`` pads the last axis, ``(left, right, top, bottom)`` the last two, and so on.
Constant padding is the ``ops.shape.Pad`` op (∂L/∂x = the centre of ȳ); a negative amount crops.
The other modes are a gather along each padded axis with an index vector,

    reflect:    i ↦ |i| mirrored at both ends without repeating the edge   (… 2 1 | 0 1 2 … n−1 | n−2 …)
    replicate:  i ↦ clip(i, 0, n − 1)                                      (… 0 0 | 0 1 … n−1 | n−1 …)
    circular:   i ↦ i mod n                                                (… n−1 | 0 … n−1 | 0 …)

whose gradient is the scatter-add of ȳ back onto the indices (``ops.shape.GetItem``): an edge
element copied k times receives the sum of its k gradients.
"""

import numbers

import numpy as np

from mathdl.autograd.function import as_tensor
from mathdl.ops import shape as shape_ops

MODES = ("constant", "reflect", "replicate", "circular")


def _pairs(pad, ndim):
    if (
        not isinstance(pad, (tuple, list))
        or len(pad) % 2
        or not all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in pad)
    ):
        raise ValueError(f"pad: pad must be a tuple of an even number of integers, got {pad!r}")
    if len(pad) // 2 > ndim:
        raise ValueError(
            f"pad: pad {tuple(pad)} has {len(pad) // 2} pairs but the input has {ndim} dimensions"
        )
    return [(ndim - 1 - k, int(pad[2 * k]), int(pad[2 * k + 1])) for k in range(len(pad) // 2)]


def _source_indices(size, before, after, mode):
    index = np.arange(-before, size + after)
    if mode == "replicate":
        return np.clip(index, 0, size - 1)
    if mode == "circular":
        return index % size
    period = 2 * (size - 1)
    folded = np.abs(index) % period if period else np.zeros_like(index)
    return np.where(folded >= size, period - folded, folded)


def _check_amounts(axis, size, before, after, mode):
    if mode == "reflect" and (before >= size or after >= size):
        raise ValueError(
            f"pad: reflect padding ({before}, {after}) must be smaller than the size {size} of dimension {axis}"
        )
    if mode == "circular" and (before > size or after > size):
        raise ValueError(
            f"pad: circular padding ({before}, {after}) cannot exceed the size {size} of dimension {axis}"
        )
    if mode == "replicate" and size == 0:
        raise ValueError(f"pad: cannot replicate-pad the empty dimension {axis}")
    if before < 0 or after < 0:
        raise ValueError(f"pad: negative padding ({before}, {after}) is only allowed in constant mode")


def pad(input, pad, mode="constant", value=None):
    """Pad ``input`` (any shape) by ``pad`` = (before, after) pairs from the last dimension backwards.

    ``mode`` 'constant' (filled with ``value``, default 0; negative amounts crop), 'reflect',
    'replicate' or 'circular'. Output size of each padded axis: n + before + after.

    >>> import mathdl as md
    >>> md.nn.functional.pad(md.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    """
    input = as_tensor(input)
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(
            f"pad: a fill value is only used in constant mode, got value={value!r} with mode {mode!r}"
        )
    pairs = _pairs(pad, input.ndim)
    if mode == "constant":
        crop = [slice(None)] * input.ndim
        widths = [(0, 0)] * input.ndim
        for axis, before, after in pairs:
            crop[axis] = slice(max(-before, 0), input.shape[axis] - max(-after, 0))
            widths[axis] = (max(before, 0), max(after, 0))
        if any(c != slice(None) for c in crop):
            input = input[tuple(crop)]
        return shape_ops.pad(input, widths, 0.0 if value is None else value)
    for axis, before, after in pairs:
        _check_amounts(axis, input.shape[axis], before, after, mode)
        index = (slice(None),) * axis + (_source_indices(input.shape[axis], before, after, mode),)
        input = input[index]
    return input
