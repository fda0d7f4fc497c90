"""Arrays dense in some axis order (C-contiguous, or a transposed view of contiguous memory such
as a convolution's (C, H, W, N) buffer behind its NCHW output): the order, a workspace buffer of
the same layout, and max(x, 0) computed over their memory with NumPy's fast loop.

>>> import numpy as np
>>> x = np.arange(-3.0, 3.0).reshape(2, 3).T  # (3, 2), Fortran-ordered memory
>>> dense_order(x)
[1, 0]
>>> relu_array(x, np.empty((2, 3)).T).T
array([[0., 0., 0.],
       [0., 1., 2.]])
"""

import numpy as np

from mathdl.ops import workspace


def dense_order(x):
    """The axes of x from the largest stride to the smallest when x is dense in that order (its
    memory one block without gaps, as a C-contiguous array or a transposed one), else None."""
    order = sorted(range(x.ndim), key=lambda axis: -x.strides[axis])
    if x.ndim and (
        x.strides[order[-1]] != x.itemsize
        or any(x.strides[a] != x.strides[b] * x.shape[b] for a, b in zip(order, order[1:]))
    ):
        return None
    return order


def pooled_like(x):
    """An uninitialised float array of x's shape, dtype and memory order (e.g. the (C, H, W, N)
    memory behind a convolution's NCHW output) from ``workspace`` when x is big, else None.

    A fresh multi-megabyte result costs a page fault per 4 KiB on every step (glibc hands freed
    big blocks back to the system); a ReLU after a convolution layer spends as long in those faults
    as in its arithmetic."""
    if x.dtype.kind != "f" or x.nbytes < workspace.MIN_BYTES:
        return None
    order = dense_order(x)
    if order is None:
        return None
    buffer = workspace.empty(tuple(x.shape[axis] for axis in order), x.dtype)
    return buffer.transpose(np.argsort(order))


# ``np.maximum(a, 0)`` runs NumPy's scalar loop (a zero stride), about 3× slower than the SIMD
# loop two contiguous operands get; ``relu_array`` compares the rows of a (…, _ZERO_ROW) view with
# one cached row of zeros instead (rows shorter than NumPy's 8192-element buffer measured slower).
_ZERO_ROW = 2**14
_zero_rows: dict[np.dtype, np.ndarray] = {}


def relu_array(x, out):
    """out = max(x, 0) for float arrays x and out of one shape (out may be x: in place), the same
    values as ``np.maximum(x, 0, out=out)`` (NaN kept); returns out.

    When x and out are dense in the same axis order (C-contiguous, or both laid out like a
    convolution's (C, H, W, N) memory), their memory is compared as rows with a row of zeros."""
    order = dense_order(x) if x.dtype == out.dtype and x.strides == out.strides else None
    if order is None or x.size < _ZERO_ROW:
        return np.maximum(x, 0, out=out)
    zeros = _zero_rows.get(x.dtype)
    if zeros is None:
        zeros = _zero_rows.setdefault(x.dtype, np.zeros(_ZERO_ROW, x.dtype))
    src, dst = x.transpose(order).reshape(-1), out.transpose(order).reshape(-1)
    whole = src.size - src.size % _ZERO_ROW
    np.maximum(src[:whole].reshape(-1, _ZERO_ROW), zeros, out=dst[:whole].reshape(-1, _ZERO_ROW))
    if whole < src.size:
        np.maximum(src[whole:], zeros[: src.size - whole], out=dst[whole:])
    return out
