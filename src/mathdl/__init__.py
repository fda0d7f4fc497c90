"""mathdl: deep learning built from the mathematics up.

    import mathdl as md
    x = md.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()          # x.grad == [2, 4]

``md.nn``, ``md.optim``, ``md.data``, ``md.linalg``, ``md.stats``, ``md.optimize`` are reachable
after ``import mathdl`` (each is imported on first use).
"""

import importlib

import numpy as np

from mathdl.autograd import (
    AutogradError,
    Function,
    Tensor,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from mathdl.backend import get_default_dtype, get_num_threads, set_default_dtype, set_num_threads
from mathdl.ops import *  # noqa: F401,F403  (the op functions are the public face)
from mathdl.ops import __all__ as _ops_all
from mathdl.random import generator as _generator
from mathdl.random import get_rng_state, manual_seed, set_rng_state

__version__ = "0.1.0"

float32 = np.float32
float64 = np.float64
int64 = np.int64


def _dtype(dtype):
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def tensor(data, dtype=None, requires_grad=False):
    """A new Tensor holding a copy of ``data`` (a number, nested list, array or Tensor).

    Python floats become the default dtype (float32 unless ``set_default_dtype`` changed it);
    NumPy arrays keep their dtype unless ``dtype`` is given.
    """
    if isinstance(data, Tensor):
        data = data.array
    array = np.array(data, dtype=dtype, copy=True)
    if dtype is None and array.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
        array = array.astype(get_default_dtype())
    return Tensor(array, requires_grad=requires_grad)


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape, dtype=None, requires_grad=False):
    """A tensor of zeros."""
    return Tensor(np.zeros(_shape(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    """A tensor of ones."""
    return Tensor(np.ones(_shape(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    """A tensor of ``shape`` filled with ``fill_value``."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor(np.full(shape, fill_value, dtype=_dtype(dtype)), requires_grad=requires_grad)


def zeros_like(x, dtype=None):
    return Tensor(np.zeros(np.shape(x), dtype=dtype or np.asarray(x).dtype))


def ones_like(x, dtype=None):
    return Tensor(np.ones(np.shape(x), dtype=dtype or np.asarray(x).dtype))


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop) like ``torch.arange`` (integers stay int64)."""
    array = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is not None:
        array = array.astype(dtype)
    elif array.dtype.kind == "f":
        array = array.astype(get_default_dtype())
    return Tensor(array)


def linspace(start, stop, num, dtype=None):
    return Tensor(np.linspace(start, stop, num, dtype=_dtype(dtype)))


def eye(n, m=None, dtype=None):
    """The identity matrix (n × m)."""
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)))


def randn(*shape, dtype=None, requires_grad=False):
    """Samples of the standard normal N(0, 1), from the global generator (see ``manual_seed``)."""
    data = _generator().standard_normal(_shape(shape), dtype=np.float64).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad=False):
    """Samples of the uniform distribution on [0, 1), from the global generator."""
    data = _generator().random(_shape(shape)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def randint(low, high, size, dtype=np.int64):
    """Integers uniform on [low, high), from the global generator."""
    size = (size,) if isinstance(size, int) else tuple(size)
    return Tensor(_generator().integers(low, high, size=size, dtype=dtype))


def save(obj, path):
    """Save a (nested) state dict of Tensors/arrays/numbers to ``path`` (npz; no pickle; atomic)."""
    from mathdl import io

    return io.save(obj, path)


def load(path):
    """Load what ``save`` wrote; a damaged or foreign file raises a clear error."""
    from mathdl import io

    return io.load(path)


_SUBMODULES = {
    "nn",
    "optim",
    "data",
    "linalg",
    "stats",
    "optimize",
    "train",
    "models",
    "keras",
    "io",
    "rl",
    "autograd",
    "ops",
    "backend",
    "random",
    "utils",
    "vision",
    "audio",
    "distributed",
    "tune",
    "quantization",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"mathdl.{name}")
    raise AttributeError(f"module 'mathdl' has no attribute {name!r}")


__all__ = [
    "AutogradError",
    "Function",
    "Tensor",
    "arange",
    "enable_grad",
    "eye",
    "float32",
    "float64",
    "full",
    "get_default_dtype",
    "get_num_threads",
    "get_rng_state",
    "grad",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "no_grad",
    "ones",
    "ones_like",
    "rand",
    "randint",
    "randn",
    "save",
    "set_default_dtype",
    "set_num_threads",
    "set_grad_enabled",
    "set_rng_state",
    "tensor",
    "zeros",
    "zeros_like",
    *_ops_all,
]
