"""Making tensors, as PyTorch: ``tensor``, ``as_tensor``, ``from_numpy``, ``zeros/ones/full/empty``,
``arange/linspace/eye``, the random ``rand/randn/randint/randperm/normal/multinomial``, and the
``*_like`` versions. Every factory takes ``dtype=``, ``device=`` (only the CPU exists) and, where
PyTorch has it, ``requires_grad=``. Random ones draw from the global generator (``manual_seed``) or
a ``generator=`` (a ``numpy.random.Generator``).
"""

import numbers

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.backend import get_default_dtype
from mathdl.devices import check_device
from mathdl.dtypes import as_dtype
from mathdl.random import generator as _global_generator


def _make(array, dtype, device, requires_grad):
    if device is not None:
        check_device(device)
    if dtype is not None:
        array = array.astype(as_dtype(dtype), copy=False)
    return Tensor(array, requires_grad=requires_grad)


def _float(dtype):
    return get_default_dtype() if dtype is None else as_dtype(dtype)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (numbers.Integral, np.integer)) or isinstance(s, bool) or s < 0:
            raise TypeError(f"expected a size (non-negative ints), got {size!r}")
    return tuple(int(s) for s in size)


def _rng(generator):
    return _global_generator() if generator is None else generator


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new Tensor holding a copy of ``data`` (a number, nested list, array or Tensor), as
    ``torch.tensor``: Python floats become the default dtype (float32), Python ints int64, bools
    bool; NumPy arrays keep their dtype unless ``dtype`` is given.

    >>> tensor([1, 2]).dtype, tensor([1.0, 2]).dtype
    (dtype('int64'), dtype('float32'))
    """
    if isinstance(data, Tensor):
        data = data.array
    array = np.array(data, dtype=None if dtype is None else as_dtype(dtype), copy=True)
    if array.dtype == object:
        raise TypeError(f"tensor: cannot make a tensor from objects of type {type(data).__name__}")
    if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
        if array.dtype == np.float64:
            array = array.astype(get_default_dtype())
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
    return _make(array, None, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a Tensor, sharing memory when it already is one or a NumPy array of the
    requested dtype (as ``torch.as_tensor``); otherwise a copy as ``tensor`` makes."""
    if device is not None:
        check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or as_dtype(dtype) == data.dtype):
        return Tensor(data)
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """A Tensor sharing ``array``'s memory (writes through either show in both), as
    ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype == object:
        raise TypeError("from_numpy: arrays of Python objects cannot become tensors")
    return Tensor(array)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros (default float dtype)."""
    return _make(np.zeros(_shape(size), dtype=_float(dtype)), None, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones (default float dtype)."""
    return _make(np.ones(_shape(size), dtype=_float(dtype)), None, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A tensor to be filled (zeros: PyTorch leaves it uninitialised)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value as in PyTorch
    (a bool: bool, an int: int64, a float: the default float dtype)."""
    size = _shape((size,) if isinstance(size, numbers.Integral) else (tuple(size),))
    if dtype is None:
        if isinstance(fill_value, (bool, np.bool_)):
            dtype = np.bool_
        elif isinstance(fill_value, numbers.Integral):
            dtype = np.int64
        else:
            dtype = get_default_dtype()
    return _make(np.full(size, fill_value, dtype=as_dtype(dtype)), None, device, requires_grad)


def _like(x, dtype):
    array = x.array if isinstance(x, Tensor) else np.asarray(x)
    return array.shape, (array.dtype if dtype is None else as_dtype(dtype))


def zeros_like(input, dtype=None, *, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype)
    return _make(np.zeros(shape, dtype=dtype), None, device, requires_grad)


def ones_like(input, dtype=None, *, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype)
    return _make(np.ones(shape, dtype=dtype), None, device, requires_grad)


def empty_like(input, dtype=None, *, device=None, requires_grad=False):
    return zeros_like(input, dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, *, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype)
    return _make(np.full(shape, fill_value, dtype=dtype), None, device, requires_grad)


def rand_like(input, dtype=None, *, device=None, requires_grad=False, generator=None):
    shape, dtype = _like(input, dtype)
    return _make(_rng(generator).random(shape).astype(dtype), None, device, requires_grad)


def randn_like(input, dtype=None, *, device=None, requires_grad=False, generator=None):
    shape, dtype = _like(input, dtype)
    return _make(_rng(generator).standard_normal(shape).astype(dtype), None, device, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Evenly spaced values in [start, end), as ``torch.arange`` (integers give int64, floats the
    default float dtype)."""
    values = (start, end, step) if end is not None else (0, start, step)
    values = tuple(v.item() if isinstance(v, Tensor) else v for v in values)
    array = np.arange(*values)
    if dtype is None:
        is_float = any(isinstance(v, (float, np.floating)) for v in values)
        array = array.astype(get_default_dtype() if is_float else np.int64)
    return _make(array, dtype, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (default float dtype)."""
    return _make(np.linspace(start, end, int(steps)).astype(_float(dtype)), None, device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The identity matrix (n × m)."""
    return _make(np.eye(n, m, dtype=_float(dtype)), None, device, requires_grad)


# ----- random -------------------------------------------------------------------------------------
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the standard normal N(0, 1)."""
    data = _rng(generator).standard_normal(_shape(size), dtype=np.float64).astype(_float(dtype))
    return _make(data, None, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the uniform distribution on [0, 1)."""
    data = _rng(generator).random(_shape(size)).astype(_float(dtype))
    return _make(data, None, device, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high), as ``torch.randint(low=0, high, size)``: ``randint(10, (3,))``
    or ``randint(2, 10, (3,))`` (int64 unless ``dtype``)."""
    if size is None:
        if high is None:
            raise TypeError("randint: missing the size argument, e.g. randint(10, (3,))")
        low, high, size = 0, low, high
    size = _shape((size,) if isinstance(size, numbers.Integral) else (tuple(size),))
    data = _rng(generator).integers(low, high, size=size, dtype=np.int64)
    return _make(data, dtype, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 … n−1 (int64), as ``torch.randperm``."""
    if not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    return _make(_rng(generator).permutation(int(n)).astype(np.int64), dtype, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of N(mean, std²), as ``torch.normal``: ``mean`` and ``std`` are numbers or tensors
    (broadcast together; the result has their shape), or numbers with a ``size``."""
    means = mean.array if isinstance(mean, Tensor) else np.asarray(mean)
    stds = std.array if isinstance(std, Tensor) else np.asarray(std)
    if (stds < 0).any():
        raise ValueError("normal: std must be non-negative")
    shape = (
        np.broadcast_shapes(means.shape, stds.shape)
        if size is None
        else _shape((tuple(np.atleast_1d(size)),))
    )
    draws = _rng(generator).normal(means, stds, shape)
    tensor_dtype = next((t.dtype for t in (mean, std) if isinstance(t, Tensor)), None)
    return _make(draws.astype(tensor_dtype or _float(dtype)), None, device, requires_grad)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn from the categorical distributions given by the rows of ``input``
    (non-negative weights, normalised per row), as ``torch.multinomial``: shape (rows, num_samples)
    or (num_samples,) for a 1-d input, int64. Without replacement, a row needs at least
    ``num_samples`` non-zero weights."""
    weights = np.asarray(input.array if isinstance(input, Tensor) else input, dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-d or 2-d, got shape {weights.shape}")
    if (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError("multinomial: weights must be finite and non-negative")
    rows = np.atleast_2d(weights)
    totals = rows.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError("multinomial: every row needs a positive total weight")
    if not replacement and ((rows > 0).sum(axis=1) < num_samples).any():
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from a row with fewer non-zero weights"
        )
    rng = _rng(generator)
    probabilities = rows / totals
    if replacement:
        cumulative = np.cumsum(probabilities, axis=1)
        u = rng.random((rows.shape[0], num_samples))
        samples = (u[:, :, None] >= cumulative[:, None, :]).sum(axis=2)
        samples = np.minimum(samples, rows.shape[1] - 1)
    else:  # Gumbel-top-k: the k largest log p + Gumbel noise are a draw without replacement
        with np.errstate(divide="ignore"):
            keys = np.log(probabilities) + rng.gumbel(size=probabilities.shape)
        samples = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype(np.int64)
    return Tensor(samples[0] if weights.ndim == 1 else samples)
