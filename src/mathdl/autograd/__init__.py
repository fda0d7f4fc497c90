"""The autodiff core: Tensor, Function, the backward engine, grad modes, gradcheck and anomaly
detection, under PyTorch's names (``mathdl.autograd.grad``, ``mathdl.autograd.gradcheck(fn,
inputs)``, ``mathdl.autograd.set_detect_anomaly``, ``mathdl.autograd.detect_anomaly``)."""

from mathdl.autograd.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from mathdl.autograd.engine import backward, grad
from mathdl.autograd.function import Function
from mathdl.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)

# gradcheck is both a submodule and, from here on, the function (as in PyTorch);
# ``from mathdl.autograd.gradcheck import ...`` still reaches the module.
from mathdl.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from mathdl.autograd.tensor import AutogradError, Tensor

__all__ = [
    "AutogradError",
    "Function",
    "GradcheckError",
    "Tensor",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]
