"""clamp (PyTorch's name for clip, with tensor bounds) and its one-sided forms.

The derivative is the indicator of the interval: ∂L/∂x = ȳ where min ≤ x ≤ max, 0 outside
(the ``Clip`` Function in ``elementwise``).
"""

import numpy as np

from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.elementwise import Clip, where


def clamp(x, min=None, max=None):  # noqa: A002  (PyTorch's parameter names)
    """Clamp to [min, max] (either bound may be None; numbers or tensors), as ``torch.clamp``.
    ∂L/∂x = ȳ where min ≤ x ≤ max. As PyTorch, min > max gives max everywhere (no error).

    >>> from mathdl import tensor
    >>> clamp(tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
    tensor([0. , 0.5, 1. ])
    """
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        x = as_tensor(x)
        if min is not None:
            x = where(x.array < (min.array if isinstance(min, Tensor) else min), min, x)
        if max is not None:
            x = where(x.array > (max.array if isinstance(max, Tensor) else max), max, x)
        return x
    x = as_tensor(x)
    if x.dtype.kind == "f":  # a np.float64 bound would make NumPy 2 promote a float32 x
        min = float(min) if isinstance(min, np.floating) else min
        max = float(max) if isinstance(max, np.floating) else max
    return Clip(min, max)(x)


def clamp_min(x, min):  # noqa: A002
    """max(x, min) elementwise, as ``torch.clamp_min``."""
    return clamp(x, min=min)


def clamp_max(x, max):  # noqa: A002
    """min(x, max) elementwise, as ``torch.clamp_max``."""
    return clamp(x, max=max)
