"""Normalisation: batch norm and layer norm as fused ops with hand-derived backwards, group norm
composed of differentiable ops.

Batch normalisation (Ioffe & Szegedy, 2015).

For x of shape (N, C) or (N, C, L) or (N, C, H, W), statistics are per channel c over the other
axes: M = N·L (or N·H·W) values each.

    μ = (1/M) Σ x,    σ² = (1/M) Σ (x − μ)²  (biased),    x̂ = (x − μ) / √(σ² + ε)
    y = γ x̂ + β

Backward (all sums per channel over the M positions):

    ∂L/∂β = Σ ȳ,    ∂L/∂γ = Σ ȳ x̂,
    ∂L/∂x = (γ / √(σ² + ε)) · (ȳ − (1/M) Σ ȳ − x̂ (1/M) Σ ȳ x̂)

In evaluation mode (running statistics) the map is affine in x: y = γ (x − μ_run)/√(σ²_run + ε) + β.

Layer normalisation (``F.layer_norm``, the op behind ``nn.LayerNorm``): normalise each sample
over its last dimensions, then scale and shift.

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

from mathdl import ops
from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, _wrap, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops import reduction
from mathdl.ops.blas_sums import sum_last, sum_leading
from mathdl.ops.elementwise import sqrt
from mathdl.ops.shape import reshape
from mathdl.typing import ShapeLike, TensorLike


def _channel_shape(ndim, channels):
    return (1, channels) + (1,) * (ndim - 2)


def _reduce_axes(ndim):
    return (0,) + tuple(range(2, ndim))


class BatchNormFunction(Function):
    """Training-mode batch norm with batch statistics: inputs (x, [γ, β]); see the module doc.

    Keeps x̂ and 1/√(σ² + ε) from forward; ``mean`` and ``var`` (biased) are left on the instance
    for the caller to update running estimates.
    """

    def __init__(self, eps, affine):
        self.eps, self.affine = eps, affine

    def forward(self, x, weight=None, bias=None):
        axes = _reduce_axes(x.ndim)
        shape = _channel_shape(x.ndim, x.shape[1])
        self.mean = x.mean(axis=axes)
        centred = x - self.mean.reshape(shape)
        rows = centred.reshape(x.shape[0], x.shape[1], -1)
        count = rows.shape[0] * rows.shape[2]
        self.var = np.einsum("ncl,ncl->c", rows, rows) / count  # Σ (x − μ)² without a temporary
        self.inv_std = 1.0 / np.sqrt(self.var + self.eps)
        centred *= self.inv_std.reshape(shape)
        self.normalized = centred
        if not self.affine:
            return centred.copy()
        y = centred * weight.reshape(shape)
        y += bias.reshape(shape)
        return y

    def backward(self, gy):
        x = self.inputs[0]
        axes = _reduce_axes(x.ndim)
        shape = _channel_shape(x.ndim, x.shape[1])
        count = x.numel() // x.shape[1]
        if grad_mode.is_grad_enabled():
            return self._differentiable_backward(gy, axes, shape, count)
        g = gy.array
        x_hat = self.normalized
        sum_g = g.sum(axis=axes)
        n, c = x.shape[0], x.shape[1]
        sum_g_xhat = np.einsum("ncl,ncl->c", g.reshape(n, c, -1), x_hat.reshape(n, c, -1))
        gx = None
        if x.requires_grad:
            scale = self.inv_std if not self.affine else self.inv_std * self.inputs[1].array
            gx = g - (sum_g / count).reshape(shape)
            gx -= x_hat * (sum_g_xhat / count).reshape(shape)
            gx *= scale.reshape(shape)
            gx = Tensor(gx.astype(x.dtype, copy=False))
        if not self.affine:
            return gx
        weight, bias = self.inputs[1], self.inputs[2]
        return (
            gx,
            Tensor(sum_g_xhat.astype(weight.dtype, copy=False)) if weight.requires_grad else None,
            Tensor(sum_g.astype(bias.dtype, copy=False)) if bias.requires_grad else None,
        )

    def _differentiable_backward(self, gy, axes, shape, count):
        # The same formulas from differentiable ops with x̂ and 1/σ recomputed from x, so that
        # create_graph=True gives correct second derivatives (through μ and σ too).
        x = self.inputs[0]
        mean = reduction.mean(x, axes, keepdims=True)
        centred = x - mean
        inv_std = 1.0 / sqrt(reduction.mean(centred * centred, axes, keepdims=True) + self.eps)
        x_hat = centred * inv_std
        sum_g = reduction.sum(gy, axes, keepdims=True)
        sum_g_xhat = reduction.sum(gy * x_hat, axes, keepdims=True)
        scale = inv_std if not self.affine else inv_std * reshape(self.inputs[1], shape)
        gx = (gy - sum_g * (1.0 / count) - x_hat * (sum_g_xhat * (1.0 / count))) * scale
        if not self.affine:
            return gx
        return gx, reshape(sum_g_xhat, (x.shape[1],)), reshape(sum_g, (x.shape[1],))


def _check_batch_norm(input, weight, bias, running_mean, running_var):
    """The number of channels, after checking every shape against it."""
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm: expected an input with a channel axis (N, C, ...), got shape {input.shape}"
        )
    channels = input.shape[1]
    for name, tensor in (
        ("weight", weight),
        ("bias", bias),
        ("running_mean", running_mean),
        ("running_var", running_var),
    ):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise ValueError(
                f"batch_norm: {name} must have shape ({channels},) for an input with "
                f"{channels} channels (shape {input.shape}), got {tuple(tensor.shape)}"
            )
    if (weight is None) != (bias is None):
        raise ValueError("batch_norm: give both weight and bias, or neither")
    return channels


def _batch_norm_eval(input, running_mean, running_var, weight, bias, eps, shape):
    """Evaluation mode: normalise with the running statistics, then γ x̂ + β when affine."""
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: evaluation mode (training=False) needs running_mean and running_var")
    mean = np.asarray(running_mean.array if isinstance(running_mean, Tensor) else running_mean)
    var = np.asarray(running_var.array if isinstance(running_var, Tensor) else running_var)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(input.dtype, copy=False)
    normalized = (input - Tensor(mean.reshape(shape).astype(input.dtype, copy=False))) * Tensor(
        inv_std.reshape(shape)
    )
    if weight is None:  # _check_batch_norm made sure weight and bias come together
        return normalized
    return normalized * reshape(as_tensor(weight, like=input), shape) + reshape(
        as_tensor(bias, like=input), shape
    )


def _update_running(running_mean, running_var, function, count, momentum):
    """r ← (1 − momentum) r + momentum · s in place, with the unbiased batch variance σ²·M/(M − 1)."""
    rm = running_mean.array if isinstance(running_mean, Tensor) else running_mean
    rv = running_var.array if isinstance(running_var, Tensor) else running_var
    unbiased = function.var * (count / (count - 1))
    rm *= 1.0 - momentum
    rm += momentum * function.mean.astype(rm.dtype, copy=False)
    rv *= 1.0 - momentum
    rv += momentum * unbiased.astype(rv.dtype, copy=False)


def batch_norm(
    input: TensorLike,
    running_mean: Tensor | np.ndarray | None,
    running_var: Tensor | np.ndarray | None,
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation of input (N, C, …) per channel, like ``torch.nn.functional.batch_norm``.

    training=True: normalise with the batch's mean and biased variance, and (when the running
    tensors are given) update them in place:  r ← (1 − momentum) r + momentum · s, with the
    unbiased variance σ²·M/(M − 1) going into ``running_var``.
    training=False: normalise with ``running_mean``/``running_var``.
    weight/bias (γ, β): (C,) or None. Returns a tensor of the input's shape.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> x = md.tensor([[1.0], [3.0]])
    >>> F.batch_norm(x, md.zeros(1), md.ones(1), training=True, eps=0.0).tolist()
    [[-1.0], [1.0]]
    """
    input = as_tensor(input)
    channels = _check_batch_norm(input, weight, bias, running_mean, running_var)
    affine = weight is not None
    shape = _channel_shape(input.ndim, channels)
    if not training:
        return _batch_norm_eval(input, running_mean, running_var, weight, bias, eps, shape)
    count = input.numel() // channels
    if count <= 1:
        raise ValueError(
            f"batch_norm: expected more than 1 value per channel when training, got input "
            f"of shape {input.shape}"
        )
    function = BatchNormFunction(eps, affine)
    output = function(input, weight, bias) if affine else function(input)
    if running_mean is not None and running_var is not None:
        _update_running(running_mean, running_var, function, count, momentum)
    return output


def group_norm(
    input: TensorLike,
    num_groups: int,
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalisation (Wu & He 2018), ``F.group_norm``: the C channels of x (N, C, …) form
    ``num_groups`` groups; each sample's group is normalised over its channels and positions,

        x̂ = (x − μ_{n,g}) / √(σ²_{n,g} + ε),   y = γ_c x̂ + β_c     (σ² biased),

    composed of differentiable ops (its gradient is the layer-norm formula per group).

    >>> import mathdl as md
    >>> md.nn.functional.group_norm(md.tensor([[[1.0], [3.0]]]), 1, eps=0.0)
    tensor([[[-1.],
             [ 1.]]])
    """
    input = as_tensor(input)
    if input.ndim < 2:
        raise ValueError(f"group_norm: expected an input (N, C, ...), got shape {input.shape}")
    channels = input.shape[1]
    if (
        isinstance(num_groups, bool)
        or not isinstance(num_groups, int)
        or num_groups < 1
        or channels % num_groups
    ):
        raise ValueError(
            f"group_norm: num_groups {num_groups!r} must be a positive divisor of the {channels} channels"
        )
    grouped = reshape(input, (input.shape[0], num_groups, -1))
    mean = reduction.mean(grouped, 2, True)
    centred = grouped - mean
    variance = reduction.mean(centred * centred, 2, True)
    y = reshape(centred / sqrt(variance + float(eps)), input.shape)
    shape = _channel_shape(input.ndim, channels)
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


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
        self.axes = tuple(range(x.ndim - self.ndim, x.ndim))
        n = int(np.prod(x.shape[x.ndim - self.ndim :], dtype=np.int64))
        rows = np.ascontiguousarray(x).reshape(-1, n)  # one sample per row
        mean = (sum_last(rows) / n).astype(x.dtype, copy=False)
        x_hat = rows - mean[:, None]  # centred, then scaled in place
        variance = np.einsum("ij,ij->i", x_hat, x_hat) / n
        rstd = (1.0 / np.sqrt(variance + self.eps)).astype(x.dtype, copy=False)
        x_hat *= rstd[:, None]
        self.mean, self.rstd = mean, rstd  # x̂ is recomputed in backward: one pass, not a copy kept
        y = x_hat  # (a fresh array: γ and β are applied in place)
        if self.has_weight:
            y *= affine[0].reshape(-1)
        if self.has_bias:
            y += affine[-1].reshape(-1)
        return y.reshape(x.shape).astype(x.dtype, copy=False)

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
        rstd = self.rstd
        n = int(np.prod(x.shape[x.ndim - self.ndim :], dtype=np.int64))
        x_hat = np.ascontiguousarray(x.array).reshape(-1, n) - self.mean[:, None]
        x_hat *= rstd[:, None]
        g = np.ascontiguousarray(gy.array).reshape(x_hat.shape)
        g_hat = g * weight.array.reshape(-1) if weight is not None else g.copy()
        # ∂L/∂x = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)) / √(σ² + ε), in place on ĝ
        mean_g = sum_last(g_hat) / n
        mean_gx = np.einsum("ij,ij->i", g_hat, x_hat) / n
        shape = x.shape[x.ndim - self.ndim :]
        # γ̄ = Σ ȳ ⊙ x̂ reads x̂ before it is overwritten by x̂ ⊙ mean(ĝ ⊙ x̂) below (no temporary)
        g_weight = np.einsum("ij,ij->j", g, x_hat).reshape(shape) if weight is not None else None
        g_hat -= mean_g[:, None]
        x_hat *= mean_gx[:, None]
        g_hat -= x_hat
        g_hat *= rstd[:, None]
        grads = [_wrap(g_hat.reshape(x.shape), False)]
        if weight is not None:
            grads.append(_wrap(g_weight, False))
        if bias is not None:
            grads.append(_wrap(sum_leading(g).reshape(shape), False))
        return tuple(grads)


def layer_norm(
    input: Tensor,
    normalized_shape: ShapeLike,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation over the trailing ``normalized_shape`` axes (``F.layer_norm``).
    input (…, *normalized_shape); weight and bias ``normalized_shape`` or None; same shape out.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.layer_norm(md.tensor([[1.0, 3.0]]), (2,), eps=0.0).tolist()
    [[-1.0, 1.0]]
    """
    normalized_shape = (
        (normalized_shape,)
        if isinstance(normalized_shape, (int, numbers.Integral))
        else tuple(normalized_shape)
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
