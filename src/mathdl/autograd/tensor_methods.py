"""Tensor methods that mirror the op functions: ``x.sum(dim=1)`` is ``mathdl.sum(x, dim=1)``.

Each takes the same arguments as its function (PyTorch's ``dim``/``keepdim``, NumPy's
``axis``/``keepdims`` as aliases); the shape methods also take sizes as separate arguments
(``x.view(2, 3)``, ``x.permute(2, 0, 1)``, ``x.repeat(2, 1)``), as PyTorch's do.
"""

import numbers

_OPS = []


def _ops():
    if not _OPS:  # the op functions import Tensor: reached lazily, then kept
        import mathdl.ops as ops

        _OPS.append(ops)
    return _OPS[0]


def _forward(name):
    def method(self, *args, **kwargs):
        return getattr(_OPS[0] if _OPS else _ops(), name)(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``mathdl.{name}(self, ...)``: see that function."
    return method


def _sizes(sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        return tuple(sizes[0])
    return tuple(sizes)


# methods that pass their arguments straight to the op function of the same name
_FORWARDED = (
    # reductions
    "sum mean var std max min amax amin argmax argmin logsumexp any all cumsum "
    # softmax family and sorting
    "softmax log_softmax sort argsort topk "
    # elementwise (sin … atan2 are mathdl.ops functions added beside these by the elementwise work)
    "add sub mul div neg exp log sqrt abs tanh sigmoid relu clamp clamp_min clamp_max clip maximum minimum pow "
    "sin cos tan asin acos atan atan2 sinh cosh erf erfc log1p expm1 square rsqrt reciprocal sign "
    "floor ceil round "
    # matrix products
    "matmul bmm mm "
    # shape and indexing
    "flatten squeeze unsqueeze broadcast_to swapaxes chunk split narrow roll tril triu gather scatter "
    "scatter_add masked_fill index_select"
).split()


class OpMethods:
    """The op-mirroring half of Tensor's methods (mixed into ``Tensor``)."""

    __slots__ = ()

    def reshape(self, *shape):
        return _ops().reshape(self, _sizes(shape))

    def view(self, *shape):
        """The tensor with a new shape (one entry may be -1), as ``torch.Tensor.view``; a dtype
        argument (``x.view(md.int32)``) is not supported."""
        return self.reshape(*shape)

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def transpose(self, *dims):
        """``x.transpose(dim0, dim1)`` swaps two dimensions, as ``torch.Tensor.transpose`` (so the
        common ``k.transpose(-2, -1)`` works on any rank); any other form is a NumPy permutation:
        ``x.transpose()`` reverses the axes, ``x.transpose(2, 0, 1)`` / ``x.transpose((1, 0))``
        reorder them."""
        if len(dims) == 2 and all(isinstance(a, numbers.Integral) for a in dims):
            return _ops().swapaxes(self, dims[0], dims[1])
        dims = _sizes(dims)
        return _ops().transpose(self, axes=dims if dims else None)

    def permute(self, *dims):
        """The dimensions reordered, as ``torch.Tensor.permute`` (``x.permute(2, 0, 1)``)."""
        return _ops().transpose(self, axes=_sizes(dims))

    @property
    def T(self):
        return _ops().transpose(self)

    @property
    def mT(self):
        return _ops().swapaxes(self, -2, -1)

    def t(self):
        """The transpose of a matrix (a tensor of at most 2 dimensions), as ``torch.Tensor.t``."""
        if self.ndim > 2:
            raise ValueError(
                f"t(): expects a tensor with <= 2 dimensions, got {self.ndim}; use transpose(d0, d1)"
            )
        return _ops().transpose(self)

    def expand(self, *sizes):
        """``torch.Tensor.expand``: broadcast to ``sizes``, where -1 keeps the existing size."""
        sizes = _sizes(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: {len(sizes)} sizes for a tensor with {self.ndim} dimensions")
        shape = tuple(self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
        return _ops().broadcast_to(self, shape)

    def expand_as(self, other):
        return _ops().broadcast_to(self, other.shape)

    def repeat(self, *sizes):
        """Tile the tensor ``sizes`` times along each dimension, as ``torch.Tensor.repeat``."""
        return _ops().repeat(self, _sizes(sizes))

    def flip(self, *dims):
        return _ops().flip(self, _sizes(dims))


for _name in _FORWARDED:
    setattr(OpMethods, _name, _forward(_name))
del _name
