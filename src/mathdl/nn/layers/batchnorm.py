"""Batch normalisation layers (Ioffe & Szegedy, 2015), with PyTorch's running statistics.

Per channel c, in training:  y = γ (x − μ_B) / √(σ²_B + ε) + β  with the batch mean μ_B and the
biased batch variance σ²_B, and the running estimates move towards the batch's:

    running_mean ← (1 − momentum) running_mean + momentum μ_B
    running_var  ← (1 − momentum) running_var  + momentum σ²_B · M/(M − 1)   (unbiased)

(momentum=None: the cumulative average, factor 1/num_batches_tracked). In evaluation,
y = γ (x − running_mean) / √(running_var + ε) + β. The fused op and its backward are in
``mathdl.nn.functional.normalization``.
"""

import numbers

import numpy as np

from mathdl import backend
from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.normalization import batch_norm
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter


class _BatchNorm(Module):
    _dims = ()
    _expected = ""

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__()
        name = type(self).__name__
        if (
            isinstance(num_features, bool)
            or not isinstance(num_features, numbers.Integral)
            or num_features <= 0
        ):
            raise ValueError(f"{name}: num_features must be a positive integer, got {num_features!r}")
        if eps <= 0:
            raise ValueError(f"{name}: eps must be positive, got {eps}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum}")
        self.num_features = int(num_features)
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self._bias_flag = bool(bias)
        dtype = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features), dtype=dtype)
            if bias:
                self.bias = Parameter(np.zeros(self.num_features), dtype=dtype)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        """running_mean ← 0, running_var ← 1, num_batches_tracked ← 0."""
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self):
        """Running statistics reset, γ ← 1, β ← 0."""
        self.reset_running_stats()
        if self.affine:
            self.weight.array[...] = 1
            if self.bias is not None:
                self.bias.array[...] = 0

    def forward(self, input):
        input = as_tensor(input)
        if input.ndim not in self._dims:
            raise ValueError(
                f"{type(self).__name__}: expected {self._expected} input, got shape {input.shape}"
            )
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: expected {self.num_features} channels (axis 1), "
                f"got input of shape {input.shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.array)
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None or not self.affine and self._bias_flag}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs: statistics per channel C over N (and L).
    weight γ, bias β, running_mean, running_var: (C,). Output has the input's shape."""

    _dims = (2, 3)
    _expected = "a 2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs: statistics per channel C over N, H, W.
    weight γ, bias β, running_mean, running_var: (C,). Output has the input's shape."""

    _dims = (4,)
    _expected = "a 4-D (N, C, H, W)"
