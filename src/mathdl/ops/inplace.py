"""The out-of-place ops behind overwriting in-place methods (``fill_``, ``copy_``, ``t[i] = v``).

An in-place method computes its result with one of these and writes it into the tensor's memory
(``mathdl.autograd.version.apply``); recorded, they give the gradients PyTorch gives: nothing flows
to overwritten values, and the written values' gradient flows to where they came from.
"""

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.ops.shape import _normalize_index, getitem, sum_to


class Overwrite(Function):
    """y = c (constant values, broadcast to x's shape);  ∂L/∂x = 0 (x's old values are gone)."""

    saves = ()

    def __init__(self, values):
        self.values = values

    def forward(self, x):
        return np.broadcast_to(np.asarray(self.values, dtype=x.dtype), x.shape).copy()

    def backward(self, gy):
        return gy * 0.0


def overwrite(x, values):
    """A tensor of x's shape and dtype holding ``values`` (broadcast), as ``fill_`` writes."""
    values = values.array if hasattr(values, "creator") else values
    return Overwrite(values)(as_tensor(x))


class CopyFrom(Function):
    """y = broadcast(s) to x's shape (in x's dtype);  ∂L/∂x = 0,  ∂L/∂s = sum_to(ȳ, s.shape)."""

    saves = ()

    def forward(self, x, s):
        try:
            return np.broadcast_to(s, x.shape).astype(x.dtype)
        except ValueError:
            raise ValueError(f"copy_: cannot broadcast a source of shape {s.shape} to {x.shape}") from None

    def backward(self, gy):
        x, s = self.inputs
        gs = sum_to(gy, s.shape) if s.requires_grad else None
        if gs is not None and gs.dtype != s.dtype and s.dtype.kind == "f":
            gs = gs.astype(s.dtype)
        return gy * 0.0, gs


def copy_from(x, src):
    """What ``x.copy_(src)`` writes: ``src`` broadcast to x's shape in x's dtype."""
    return CopyFrom()(as_tensor(x), as_tensor(src))


class IndexPut(Function):
    """y = x with y[index] = v (v broadcast to the indexed shape);
    ∂L/∂x = ȳ with the written positions zeroed,  ∂L/∂v = sum_to(ȳ[index], v.shape)."""

    saves = ()

    def __init__(self, index):
        self.index = index

    def forward(self, x, v):
        out = x.copy()
        out[self.index] = v
        return out

    def backward(self, gy):
        x, v = self.inputs
        keep = np.ones(x.shape, dtype=bool)
        keep[self.index] = False
        gx = gy * keep if x.requires_grad else None
        gv = None
        if v.requires_grad:
            gv = sum_to(getitem(gy, self.index), v.shape)
        return gx, gv


def index_put(x, index, value):
    """x with ``x[index] = value`` applied (out of place), as ``t[index] = value`` writes.

    >>> from mathdl import tensor
    >>> index_put(tensor([1.0, 2.0, 3.0]), 1, 9.0)
    tensor([1., 9., 3.])
    """
    x = as_tensor(x)
    return IndexPut(_normalize_index(index))(x, as_tensor(value, like=x))
