"""mathdl: deep learning built from the mathematics up.

    import mathdl as md
    x = md.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()          # x.grad == [2, 4]

``md.nn``, ``md.optim``, ``md.data``, ``md.linalg``, ``md.stats``, ``md.optimize`` are reachable
after ``import mathdl`` (each is imported on first use).
"""

import importlib

from mathdl import accelerator, backends, cuda  # the device layer: CPU only
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
from mathdl.autograd.grad_mode import inference_mode, is_inference_mode_enabled
from mathdl.autograd.tensor import Size
from mathdl.backend import get_default_dtype, get_num_threads, set_default_dtype, set_num_threads
from mathdl.devices import DeviceError, device
from mathdl.dtypes import (
    complex64,
    complex128,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from mathdl.factories import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from mathdl.ops import *  # noqa: F401,F403  (the op functions are the public face)
from mathdl.ops import __all__ as _ops_all
from mathdl.random import get_rng_state, set_rng_state
from mathdl.random import manual_seed as _random_manual_seed

__version__ = "0.1.0"


def manual_seed(seed):
    """Seed the global generator, so a whole run (initialisation, dropout, shuffling, sampling)
    is reproducible, as ``torch.manual_seed``. Returns None (nothing to print at the prompt)."""
    _random_manual_seed(seed)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(x):
    return x.numel()


def save(obj, f, *args, **kwargs):
    """``torch.save``: write a (nested) state dict of Tensors/arrays/numbers to a path or binary
    file object (npz; no pickle; a path is written atomically). See ``mathdl.io.save``."""
    from mathdl import io

    return io.save(obj, f, *args, **kwargs)


def load(f, *args, **kwargs):
    """``torch.load``: read what ``save`` wrote (``map_location``, ``weights_only`` accepted);
    a damaged or foreign file raises a clear error. See ``mathdl.io.load``."""
    from mathdl import io

    return io.load(f, *args, **kwargs)


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
    "DeviceError",
    "Function",
    "Size",
    "Tensor",
    "accelerator",
    "arange",
    "as_tensor",
    "backends",
    "complex64",
    "complex128",
    "cuda",
    "device",
    "empty",
    "empty_like",
    "enable_grad",
    "eye",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "get_default_dtype",
    "get_num_threads",
    "get_rng_state",
    "grad",
    "inference_mode",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "is_tensor",
    "linspace",
    "load",
    "manual_seed",
    "multinomial",
    "no_grad",
    "normal",
    "numel",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "save",
    "set_default_dtype",
    "set_num_threads",
    "set_grad_enabled",
    "set_rng_state",
    "tensor",
    "uint8",
    "zeros",
    "zeros_like",
    *_ops_all,
]

# PyTorch's other dtype names: md.float, md.double, md.half, md.long, md.int, md.short, md.bool,
# md.cfloat. They shadow Python's float/int/bool inside this module, so they are set last and no
# code in this module may call float(), int() or bool() after this point.
from mathdl.dtypes import ALIASES as _DTYPE_ALIASES  # noqa: E402

globals().update(_DTYPE_ALIASES)
__all__ += list(_DTYPE_ALIASES)
