"""The affine map of a fully connected layer, fused into one op: y = x Wᵀ + b.

Shapes: x (…, in), W (out, in), b (out,) → y (…, out). With X the input flattened to (N, in)
and Ȳ the upstream gradient flattened to (N, out):

    ∂L/∂X = Ȳ W          (N, out)(out, in)
    ∂L/∂W = Ȳᵀ X         (out, N)(N, in)
    ∂L/∂b = Σₙ Ȳₙ        summed over the N rows

Forward is one GEMM plus an in-place bias add; backward is at most two GEMMs and a column sum,
and skips the gradient of any input that does not need one (the images fed to a first layer).

``linear_residual`` adds a residual r to the output in place, y = x Wᵀ + b + r, with r̄ = Ȳ
(the layer at the end of a transformer's attention or feed-forward branch).

``linear_relu`` fuses the ReLU that follows a layer (a transformer's feed-forward network):
y = max(x Wᵀ + b, 0), whose backward first masks the upstream gradient, Z̄ = Ȳ ⊙ [y > 0], then
applies the formulas above to Z̄. The ReLU runs in place on the product's buffer: no second
(…, out) array and no second pass over it.
"""

import math

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops import workspace
from mathdl.ops.arithmetic import matmul
from mathdl.ops.blas_sums import sum_leading
from mathdl.ops.dense_layout import relu_array
from mathdl.ops.reduction import sum as tensor_sum
from mathdl.ops.shape import reshape
from mathdl.typing import TensorLike

# A transformer step's activations and their gradients are 1–4 MiB ((tokens, features) float32);
# they come from the buffer cache (``workspace.activation``, as the recurrent ops' do), so the GEMMs
# write into pages that stay mapped between steps instead of faulting fresh ones in every step.
_empty = workspace.activation


def _matmul(a, b):
    """a @ b for 2-D a and b, written into a buffer from ``_empty``."""
    return np.matmul(a, b, out=_empty((a.shape[0], b.shape[1]), np.result_type(a.dtype, b.dtype)))


def relu_(a):
    """max(a, 0) in place on an array a (the same values as ``np.maximum(a, 0)``, NaN kept);
    returns a. (``ops.dense_layout.relu_array``: compared with a row of zeros, NumPy's fast loop.)"""
    return relu_array(a, a)


class LinearFunction(Function):
    """y = x Wᵀ + b  (b optional);  x̄ = ȳ W,  W̄ = ȳᵀ x,  b̄ = Σ ȳ over the leading axes."""

    def forward(self, x, weight, bias=None):
        y = _matmul(x.reshape(math.prod(x.shape[:-1]), x.shape[-1]), weight.T)
        if bias is not None:
            y += bias
        return y.reshape(*x.shape[:-1], weight.shape[0])

    def backward(self, gy):
        return self._affine_backward(gy, len(self.inputs) == 3)

    def _affine_backward(self, gy, has_bias):
        x, weight = self.inputs[0], self.inputs[1]
        need_x = x.requires_grad
        need_w = weight.requires_grad
        need_b = has_bias and self.inputs[2].requires_grad
        if grad_mode.is_grad_enabled():
            # create_graph: the same formulas from differentiable ops, so they can be differentiated again
            gy2 = reshape(gy, (-1, gy.shape[-1]))
            x2 = reshape(x, (-1, x.shape[-1]))
            gx = reshape(matmul(gy2, weight), x.shape) if need_x else None
            gw = matmul(gy2.T, x2) if need_w else None
            gb = tensor_sum(gy2, 0) if need_b else None
        else:
            g = gy.array.reshape(-1, gy.shape[-1])
            gx = Tensor(_matmul(g, weight.array).reshape(x.shape)) if need_x else None
            gw = Tensor(g.T @ x.array.reshape(-1, x.shape[-1])) if need_w else None
            gb = Tensor(sum_leading(g)) if need_b else None
        return (gx, gw, gb) if has_bias else (gx, gw)


class LinearReLUFunction(LinearFunction):
    """y = max(x Wᵀ + b, 0);  z̄ = ȳ ⊙ [y > 0] (0 at z = 0, as ReLU), then x̄ = z̄ W, W̄ = z̄ᵀ x,
    b̄ = Σ z̄ over the leading axes. Backward reads the output y for the mask (and x, W)."""

    saves_output = True

    def forward(self, x, weight, bias=None):
        return relu_(super().forward(x, weight, bias))  # a fresh buffer: the ReLU may overwrite it

    def backward(self, gy):
        y = self.outputs[0]()
        if grad_mode.is_grad_enabled():
            return self._affine_backward(gy * Tensor(y.array > 0), len(self.inputs) == 3)
        # [y > 0] as 0/1 numbers of ȳ's dtype, multiplied in place (one buffer, as ReLU's backward)
        mask = np.greater(y.array, 0, out=_empty(y.shape, gy.dtype))
        return self._affine_backward(Tensor(np.multiply(gy.array, mask, out=mask)), len(self.inputs) == 3)


class LinearResidualFunction(LinearFunction):
    """y = x Wᵀ + b + r, a layer and the residual connection around it; r̄ = ȳ, the others as
    ``LinearFunction``. r is added in place on the product's fresh buffer (no second (…, out)
    array). Inputs (x, W, b, r) or (x, W, r); backward reads x and W only."""

    saves = (0, 1)

    def forward(self, x, weight, *rest):
        y = super().forward(x, weight, *rest[:-1])
        y += rest[-1]
        return y

    def backward(self, gy):
        residual = self.inputs[-1]
        grads = self._affine_backward(gy, len(self.inputs) == 4)
        return (*grads, gy if residual.requires_grad else None)


def _checked(input, weight, bias, where) -> tuple[Tensor, Tensor, Tensor | None]:
    """input, weight and bias as Tensors, their shapes checked (``where`` names the function)."""
    weight = as_tensor(weight)
    input = as_tensor(input, like=weight)
    if weight.ndim != 2:
        raise ValueError(f"{where}: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if input.ndim < 1 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"{where}: input of shape {input.shape} does not end in in_features = "
            f"{weight.shape[1]} (weight shape {weight.shape})"
        )
    if bias is None:
        return input, weight, None
    bias = as_tensor(bias, like=weight)
    if bias.shape != (weight.shape[0],):
        raise ValueError(
            f"{where}: bias must have shape ({weight.shape[0]},) to match weight {weight.shape}, got {bias.shape}"
        )
    return input, weight, bias


def linear_relu(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None) -> Tensor:
    """y = max(x Wᵀ + b, 0), the same as ``relu(linear(input, weight, bias))`` as one Function (the
    ReLU in place on the product). Shapes as ``linear``: (…, in_features) → (…, out_features).

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.linear_relu(md.ones(1, 2), md.tensor([[1.0, 1.0], [-1.0, 0.0]]), md.zeros(2)).tolist()
    [[2.0, 0.0]]
    """
    input, weight, bias = _checked(input, weight, bias, "linear_relu")
    if bias is None:
        return LinearReLUFunction()(input, weight)
    return LinearReLUFunction()(input, weight, bias)


def linear_residual(
    input: TensorLike, weight: TensorLike, bias: TensorLike | None, residual: Tensor
) -> Tensor:
    """y = x Wᵀ + b + r, the same as ``linear(input, weight, bias) + residual`` as one Function
    (r added in place on the product): a layer inside a residual connection. ``residual`` has the
    output's shape (…, out_features) and the input's dtype.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.linear_residual(md.ones(1, 2), md.ones(3, 2), None, md.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 4.0, 5.0]]
    """
    input, weight, bias = _checked(input, weight, bias, "linear_residual")
    out_shape = (*input.shape[:-1], weight.shape[0])
    if not isinstance(residual, Tensor) or residual.shape != out_shape or residual.dtype != input.dtype:
        raise ValueError(
            f"linear_residual: residual must be a {input.dtype} Tensor of the output's shape {out_shape}, "
            f"got {getattr(residual, 'dtype', type(residual).__name__)} {getattr(residual, 'shape', '')}"
        )
    if bias is None:
        return LinearResidualFunction()(input, weight, residual)
    return LinearResidualFunction()(input, weight, bias, residual)


def linear(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None) -> Tensor:
    """y = x Wᵀ + b.  input (…, in_features), weight (out_features, in_features), bias
    (out_features,) or None → (…, out_features). Like ``torch.nn.functional.linear``.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.linear(md.ones(2, 3), md.ones(4, 3), md.zeros(4)).tolist()[0]   # x Wᵀ + b
    [3.0, 3.0, 3.0, 3.0]
    """
    input, weight, bias = _checked(input, weight, bias, "linear")
    if bias is None:
        return LinearFunction()(input, weight)
    return LinearFunction()(input, weight, bias)
