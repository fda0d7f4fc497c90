"""PyTorch's ``dim``/``keepdim`` and NumPy's ``axis``/``keepdims``: one meaning, two spellings.

Every op that takes a dimension accepts both names (PyTorch itself accepts ``axis`` as an alias of
``dim``); passing both at once is a TypeError naming the two, never a silent choice.
"""

import numbers


def resolve(op, dim, axis, keepdim=False, keepdims=None):
    """(dim, keepdim) from an op's arguments, with ``axis``/``keepdims`` as aliases.

    >>> resolve("sum", None, 1, False, True)
    (1, True)
    """
    if axis is not None:
        if dim is not None:
            raise TypeError(
                f"{op}: got both dim={dim!r} and axis={axis!r}; pass one (axis is NumPy's name for dim)"
            )
        dim = axis
    if keepdims is not None:
        if keepdim:
            raise TypeError(f"{op}: got both keepdim and keepdims; pass one (keepdims is NumPy's name)")
        keepdim = keepdims
    return dim, bool(keepdim)


def one_dim(op, dim, axis, default=None):
    """A single dimension from ``dim``/``axis`` (``default`` when neither is given)."""
    dim, _ = resolve(op, dim, axis)
    return default if dim is None else dim


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
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        result.append(int(a) % max(ndim, 1))
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    if ndim == 0:
        return ()
    return tuple(sorted(result))
