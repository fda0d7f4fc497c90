"""LayerNorm: the module over ``nn.functional.layer_norm`` (formulas in ``nn.functional.normalization``)."""

import numbers

import numpy as np

from mathdl import backend
from mathdl.nn.functional.normalization import LayerNormFunction, group_norm, layer_norm  # noqa: F401 (public names kept)
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter


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
        self.elementwise_affine, self._has_bias = bool(elementwise_affine), bool(bias)
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
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self._has_bias}"
        )


class GroupNorm(Module):
    """``GroupNorm(num_groups, num_channels, eps=1e-5, affine=True)``: ``F.group_norm`` with a
    learned per-channel γ (ones) and β (zeros). Input (N, C, …), same shape out."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=None, *, bias=True):
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups, self.num_channels, self.eps = int(num_groups), int(num_channels), float(eps)
        self.affine, self._has_bias = bool(affine), bool(affine and bias)
        dtype = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        self.weight = Parameter(np.ones(num_channels), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_channels), dtype=dtype) if self._has_bias else None

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self._has_bias}"
        )
