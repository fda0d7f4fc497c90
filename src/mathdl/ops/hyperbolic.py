"""The hyperbolic functions sinh and cosh (tanh lives with the activations in ``elementwise``).

sinh x = (eˣ − e⁻ˣ)/2 and cosh x = (eˣ + e⁻ˣ)/2 are each other's derivatives.
"""

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.backend import get_default_dtype


class Sinh(Function):
    """y = sinh x = (eˣ − e⁻ˣ)/2;  ∂L/∂x = ȳ · cosh x."""

    def forward(self, x):
        return np.sinh(x)

    def backward(self, gy):
        return gy * cosh(self.inputs[0])


class Cosh(Function):
    """y = cosh x = (eˣ + e⁻ˣ)/2;  ∂L/∂x = ȳ · sinh x."""

    def forward(self, x):
        return np.cosh(x)

    def backward(self, gy):
        return gy * sinh(self.inputs[0])


def _floating(x):
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        x = Tensor(x.array.astype(get_default_dtype()))
    return x


def sinh(x):
    """Hyperbolic sine elementwise.

    >>> from mathdl import tensor
    >>> sinh(tensor([0.0]))
    tensor([0.])
    """
    return Sinh()(_floating(x))


def cosh(x):
    """Hyperbolic cosine elementwise.

    >>> from mathdl import tensor
    >>> cosh(tensor([0.0]))
    tensor([1.])
    """
    return Cosh()(_floating(x))
