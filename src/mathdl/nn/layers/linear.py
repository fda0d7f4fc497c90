"""Fully connected layer: y = x Wᵀ + b."""

import math
import numbers

import numpy as np

from mathdl import backend
from mathdl.autograd.tensor import Tensor
from mathdl.nn import init
from mathdl.nn.functional.linear import linear
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter
from mathdl.typing import DTypeLike


def _check_features(value, name, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{where}: {name} must be a non-negative integer, got {value!r}")
    return int(value)


class Linear(Module):
    """y = x Wᵀ + b.  input (…, in_features) → (…, out_features).

    weight W: (out_features, in_features); bias b: (out_features,). Initialised as PyTorch does:
    ``kaiming_uniform_(W, a=√5)``, which is U(−1/√in, 1/√in), and b ~ U(−1/√in, 1/√in).
    Backward (one fused op): x̄ = ȳ W, W̄ = ȳᵀ x, b̄ = Σ ȳ over the leading axes.

    >>> import mathdl as md
    >>> md.nn.Linear(3, 4)(md.ones(2, 3)).shape
    (2, 4)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: DTypeLike | None = None
    ) -> None:
        super().__init__()
        self.in_features = _check_features(in_features, "in_features", "Linear")
        self.out_features = _check_features(out_features, "out_features", "Linear")
        dtype = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        self.weight = Parameter(np.zeros((self.out_features, self.in_features)), dtype=dtype)
        if bias:
            self.bias = Parameter(np.zeros((self.out_features,)), dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw W ~ U(−1/√in, 1/√in) (kaiming_uniform_ with a=√5) and b from the same range."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )
