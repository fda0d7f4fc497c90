"""Gradient clipping by global norm (Pascanu et al., 2013)."""

import math
import numbers
from collections.abc import Iterable

import numpy as np

from mathdl.autograd.tensor import Tensor


def _with_grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    total = ‖(g₁, g₂, …)‖_p = (Σᵢ Σ |gᵢ|ᵖ)^(1/p)  (p = ∞: the largest |g|); if total > max_norm,
    every gᵢ ← gᵢ · max_norm / (total + 10⁻⁶), in place (as PyTorch). Returns total (a Tensor).
    """
    params = _with_grads(parameters)
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real):
        raise TypeError(f"clip_grad_norm_: max_norm must be a number, got {type(max_norm).__name__}")
    norm_type = float(norm_type)
    if norm_type <= 0 and not math.isinf(norm_type):
        raise ValueError(f"clip_grad_norm_: norm_type must be positive or inf, got {norm_type}")
    if not params:
        return Tensor(np.zeros((), dtype=np.float32))
    dtype = params[0].grad.dtype
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(p.grad.array), initial=0.0)) for p in params)
    elif norm_type == 2.0:
        total = math.sqrt(sum(float(np.vdot(g, g)) for g in (p.grad.array.ravel() for p in params)))
    else:
        total = sum(float(np.sum(np.abs(p.grad.array) ** norm_type)) for p in params) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total}, so they cannot be clipped; pass error_if_nonfinite=False to clip anyway"
        )
    coefficient = float(max_norm) / (total + 1e-6)
    if coefficient < 1.0:
        for p in params:
            p.grad.array *= coefficient
    return Tensor(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to [−clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    for p in _with_grads(parameters):
        np.clip(p.grad.array, -clip_value, clip_value, out=p.grad.array)
