"""Layer normalisation: normalise each sample over its last dimensions, then scale and shift.

For the last ``len(normalized_shape)`` axes of x (n elements per sample):

    μ = (1/n) Σ xᵢ,   σ² = (1/n) Σ (xᵢ − μ)²   (the biased variance),   x̂ = (x − μ) / √(σ² + ε)
    y = γ ⊙ x̂ + β

Backward, with ĝ = ȳ ⊙ γ and means taken over the normalised axes:

    ∂L/∂x = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)) / √(σ² + ε)
    ∂L/∂γ = Σ_samples ȳ ⊙ x̂,      ∂L/∂β = Σ_samples ȳ

Unlike batch norm the statistics are per sample, so training and evaluation behave the same.
(Ba, Kiros & Hinton 2016.)
"""

import numbers

import numpy as np

from mathdl import backend, ops
from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, _wrap
from mathdl.autograd.tensor import Tensor
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter


def _layer_norm_composed(x, axes, eps, weight, bias):
    mean = ops.mean(x, axes, keepdims=True)
    centred = x - mean
    variance = ops.mean(centred * centred, axes, keepdims=True)
    y = centred / ops.sqrt(variance + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


class LayerNormFunction(Function):
    """y = γ ⊙ (x − μ)/√(σ² + ε) + β over the last ``ndim`` axes (formulas in the module docstring).

    Inputs x, then γ and β when given (``affine`` says which). First-order backward is fused
    NumPy; with ``create_graph`` the composed formula is differentiated instead.
    """

    def __init__(self, ndim, eps, has_weight, has_bias):
        self.ndim, self.eps = ndim, eps
        self.has_weight, self.has_bias = has_weight, has_bias

    def forward(self, x, *affine):
        axes = tuple(range(x.ndim - self.ndim, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        variance = np.mean(centred * centred, axis=axes, keepdims=True)
        rstd = 1.0 / np.sqrt(variance + self.eps)
        x_hat = centred * rstd
        self.x_hat, self.rstd, self.axes = x_hat, rstd, axes
        y = x_hat
        if self.has_weight:
            y = y * affine[0]
        if self.has_bias:
            y = y + affine[-1]
        return y.astype(x.dtype, copy=False)

    def backward(self, gy):
        x = self.inputs[0]
        weight = self.inputs[1] if self.has_weight else None
        bias = self.inputs[-1] if self.has_bias else None
        if grad_mode.is_grad_enabled():
            y = _layer_norm_composed(x, self.axes, self.eps, weight, bias)
            wanted = [t for t in self.inputs if t.requires_grad]
            from mathdl.autograd.engine import grad

            grads = iter(grad(y, wanted, gy, create_graph=True, allow_unused=True))
            return tuple(next(grads) if t.requires_grad else None for t in self.inputs)
        g, x_hat, rstd, axes = gy.array, self.x_hat, self.rstd, self.axes
        lead = tuple(range(g.ndim - self.ndim))
        grads = []
        g_hat = g * weight.array if weight is not None else g
        gx = g_hat - g_hat.mean(axis=axes, keepdims=True)
        gx -= x_hat * (g_hat * x_hat).mean(axis=axes, keepdims=True)
        gx *= rstd
        grads.append(_wrap(gx, False))
        if weight is not None:
            grads.append(_wrap((g * x_hat).sum(axis=lead), False))
        if bias is not None:
            grads.append(_wrap(g.sum(axis=lead), False))
        return tuple(grads)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the trailing ``normalized_shape`` axes (``F.layer_norm``).
    input (…, *normalized_shape); weight and bias ``normalized_shape`` or None; same shape out."""
    normalized_shape = (
        (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    )
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm: input must be a Tensor, got {type(input).__name__}")
    if input.shape[input.ndim - len(normalized_shape) :] != normalized_shape or input.ndim < len(
        normalized_shape
    ):
        raise ValueError(
            f"layer_norm: input of shape {input.shape} does not end in normalized_shape {normalized_shape}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != normalized_shape:
            raise ValueError(f"layer_norm: {name} must have shape {normalized_shape}, got {p.shape}")
    affine = [p for p in (weight, bias) if p is not None]
    return LayerNormFunction(len(normalized_shape), float(eps), weight is not None, bias is not None)(
        input, *affine
    )


class LayerNorm(Module):
    """``LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)``.

    Normalises the trailing ``normalized_shape`` axes of (…, *normalized_shape) inputs; learned
    ``weight`` γ (ones) and ``bias`` β (zeros) of shape ``normalized_shape``.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        normalized_shape = tuple(int(s) for s in normalized_shape)
        if not normalized_shape or any(s < 1 for s in normalized_shape):
            raise ValueError(f"LayerNorm: normalized_shape must be positive sizes, got {normalized_shape}")
        if eps <= 0:
            raise ValueError(f"LayerNorm: eps must be positive, got {eps}")
        self.normalized_shape, self.eps = normalized_shape, float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        dtype = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(normalized_shape), dtype=dtype)
            self.bias = Parameter(np.zeros(normalized_shape), dtype=dtype) if bias else None
        else:
            self.weight = None
            self.bias = None

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
