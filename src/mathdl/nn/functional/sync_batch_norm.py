"""Synchronised batch normalisation: batch statistics over the global batch of all ranks.

Rank r holds x_r with M_r values per channel; the global batch has M = Σ_r M_r. One all-reduce of
the per-channel vector (Σ x, Σ x², M_r) gives, on every rank,

    μ = (1/M) Σ_r Σ x_r,     σ² = (1/M) Σ_r Σ x_r² − μ²,     y_r = γ (x_r − μ)/√(σ² + ε) + β

— exactly batch norm on the concatenated batch. The sums are accumulated in float64 (σ² as a
difference of two sums loses digits when |μ| ≫ σ; float64 keeps ~1e-16 of them).

Backward: this is composed of differentiable ops and the differentiable all-reduce
(``mathdl.distributed.nn.functional.all_reduce``, whose backward is an all-reduce of the
gradients), so autograd derives it: for the summed loss L = Σ_r L_r,

    ∂L/∂x_r = (γ/σ)(ȳ_r − (1/M) Σ_s Σ ȳ_s − x̂_r (1/M) Σ_s Σ ȳ_s x̂_s)

the single-process batch-norm gradient with both sums taken over the global batch (one more
all-reduce in backward). ∂L_r/∂γ and ∂L_r/∂β stay local sums; DistributedDataParallel averages
them with the other parameters' gradients. The grad of a grad works too.
"""

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.distributed.nn.functional import all_reduce
from mathdl.ops import reduction
from mathdl.ops.elementwise import sqrt
from mathdl.ops.shape import concatenate, reshape


def _global_statistics(input, eps):
    channels = input.shape[1]
    axes = (0,) + tuple(range(2, input.ndim))
    wide = input.astype(np.float64)
    count = Tensor(np.array([input.array.size // channels], dtype=np.float64))
    totals = all_reduce(
        concatenate([reduction.sum(wide, axes), reduction.sum(wide * wide, axes), count], axis=0)
    )
    total_count = float(totals.array[-1])
    if total_count <= 1:
        raise ValueError(
            f"sync_batch_norm: expected more than 1 value per channel over all ranks when training, "
            f"got {total_count:.0f} (this rank's input has shape {input.shape})"
        )
    mean = totals[:channels] * (1.0 / total_count)
    var = totals[channels : 2 * channels] * (1.0 / total_count) - mean * mean
    return mean, var, total_count


def sync_batch_norm(input, running_mean, running_var, weight=None, bias=None, momentum=0.1, eps=1e-5):
    """Training-mode batch norm of input (N, C, …) with statistics over every rank's batch.

    Updates ``running_mean``/``running_var`` (when given) in place with the global mean and the
    unbiased global variance σ²·M/(M − 1), identically on every rank. weight/bias (γ, β): (C,) or
    None. Needs an initialised process group; every rank must call it (a collective).
    Returns a tensor of the input's shape and dtype.
    """
    input = as_tensor(input)
    if input.ndim < 2:
        raise ValueError(f"sync_batch_norm: expected an input (N, C, ...), got shape {input.shape}")
    if (weight is None) != (bias is None):
        raise ValueError("sync_batch_norm: give both weight and bias, or neither")
    channels = input.shape[1]
    shape = (1, channels) + (1,) * (input.ndim - 2)
    mean, var, total_count = _global_statistics(input, eps)
    inv_std = 1.0 / sqrt(var + eps)
    output = (input - reshape(mean.astype(input.dtype), shape)) * reshape(inv_std.astype(input.dtype), shape)
    if weight is not None:
        output = output * reshape(as_tensor(weight, like=input), shape) + reshape(
            as_tensor(bias, like=input), shape
        )
    if running_mean is not None and running_var is not None:
        with grad_mode.no_grad():
            unbiased = var.array * (total_count / (total_count - 1))
            for running, value in ((running_mean.array, mean.array), (running_var.array, unbiased)):
                running *= 1.0 - momentum
                running += (momentum * value).astype(running.dtype, copy=False)
    return output
