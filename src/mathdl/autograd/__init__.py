"""The autodiff core: Tensor, Function, the backward engine, grad modes and gradcheck."""

from mathdl.autograd.engine import backward, grad
from mathdl.autograd.function import Function
from mathdl.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from mathdl.autograd.tensor import AutogradError, Tensor

__all__ = [
    "AutogradError",
    "Function",
    "Tensor",
    "backward",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
