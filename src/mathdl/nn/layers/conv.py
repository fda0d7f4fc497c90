"""Convolution layers: Conv2d and ConvTranspose2d (NCHW, PyTorch's names, shapes and init).

Conv2d:          y = b + w ⋆ x   (cross-correlation; formula, gradients and layout in
                 ``mathdl/ops/convolution.py``), input (N, C_in, H, W) → (N, C_out, H_out, W_out),
                 H_out = ⌊(H + 2p − d(kh − 1) − 1)/s⌋ + 1.
ConvTranspose2d: the adjoint (gradient with respect to the input) of a Conv2d, an upsampling layer:
                 H_out = (H − 1)s − 2p + d(kh − 1) + output_padding + 1.

Both are initialised as PyTorch does: ``kaiming_uniform_(w, a=√5)``, which is U(−1/√fan_in, 1/√fan_in)
with fan_in = weight.shape[1]·kh·kw, and the bias from the same range.

For the Keras facade (NHWC inputs): ``x.transpose(0, 3, 1, 2)`` is a free view that these layers
accept; Keras' ``padding='same'`` with strides is ``padding=ops.convolution.same_padding((H, W), k, s)``
(a ((top, bottom), (left, right)) pair that Conv2d accepts as ``padding``), and a Keras kernel of shape
(kh, kw, C_in, C_out) is ``weight.transpose(3, 2, 0, 1)``.
"""

import math
import numbers
from collections.abc import Sequence

import numpy as np

from mathdl import backend
from mathdl.autograd.tensor import Tensor
from mathdl.nn import init
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter
from mathdl.ops.convolution import _pair, conv2d, conv_transpose2d
from mathdl.typing import DTypeLike, IntPair


def _positive(value, name, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


class _ConvNd(Module):
    """Shared construction: channel checks, weight/bias Parameters and PyTorch's initialisation."""

    def __init__(
        self,
        where,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        groups,
        bias,
        weight_shape_of,
        dtype,
    ):
        super().__init__()
        self.in_channels = _positive(in_channels, "in_channels", where)
        self.out_channels = _positive(out_channels, "out_channels", where)
        self.groups = _positive(groups, "groups", where)
        for name, channels in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if channels % self.groups:
                raise ValueError(f"{where}: {name}={channels} is not divisible by groups={self.groups}")
        self.kernel_size = _pair(kernel_size, "kernel_size", where, 1)
        self.stride = _pair(stride, "stride", where, 1)
        self.dilation = _pair(dilation, "dilation", where, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"{where}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}"
                )
            if padding == "same" and self.stride != (1, 1):
                raise ValueError(f"{where}: padding='same' needs stride 1, got stride={stride}")
            self.padding = padding
        elif (
            isinstance(padding, (tuple, list))
            and len(padding) == 2
            and all(isinstance(p, (tuple, list)) for p in padding)
        ):
            self.padding = tuple(_pair(tuple(p), "padding", where, 0) for p in padding)
        else:
            self.padding = _pair(padding, "padding", where, 0)
        dtype = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        self.weight = Parameter(np.zeros(weight_shape_of(self)), dtype=dtype)
        if bias:
            self.bias = Parameter(np.zeros((self.out_channels,)), dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """w ~ U(−1/√fan_in, 1/√fan_in) (kaiming_uniform_ with a=√5), b from the same range."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding not in ((0, 0), "valid"):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv2d(_ConvNd):
    """2-D convolution layer: y = b + w ⋆ x (cross-correlation).

    weight (out_channels, in_channels/groups, kh, kw), bias (out_channels,);
    input (N, in_channels, H, W) or (in_channels, H, W) → (N, out_channels, H_out, W_out).
    ``padding``: int, (ph, pw), ((top, bottom), (left, right)), 'valid' or 'same' (stride 1).

    >>> import mathdl as md
    >>> md.nn.Conv2d(3, 8, 3, padding=1)(md.ones(2, 3, 5, 5)).shape
    (2, 8, 5, 5)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair | Sequence[Sequence[int]] | str = 0,
        dilation: IntPair = 1,
        groups: int = 1,
        bias: bool = True,
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__(
            "Conv2d",
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            lambda m: (m.out_channels, m.in_channels // m.groups) + m.kernel_size,
            dtype,
        )

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim in (3, 4) and input.shape[-3] != self.in_channels:
            raise ValueError(
                f"Conv2d: expected {self.in_channels} input channels (input of shape (N, "
                f"{self.in_channels}, H, W)), got input of shape {tuple(input.shape)}"
            )
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution: the gradient of a Conv2d with respect to its input.

    weight (in_channels, out_channels/groups, kh, kw), bias (out_channels,);
    input (N, in_channels, H, W) → (N, out_channels, H_out, W_out) with
    H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1.

    >>> import mathdl as md
    >>> md.nn.ConvTranspose2d(8, 3, 2, stride=2)(md.ones(2, 8, 4, 4)).shape
    (2, 3, 8, 8)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair | Sequence[Sequence[int]] = 0,
        output_padding: IntPair = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntPair = 1,
        dtype: DTypeLike | None = None,
    ) -> None:
        self.output_padding = _pair(output_padding, "output_padding", "ConvTranspose2d", 0)
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got {padding!r}")
        super().__init__(
            "ConvTranspose2d",
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            lambda m: (m.in_channels, m.out_channels // m.groups) + m.kernel_size,
            dtype,
        )
        for extra, s, d in zip(self.output_padding, self.stride, self.dilation):
            if extra >= max(s, d):
                raise ValueError(
                    f"ConvTranspose2d: output_padding {output_padding} must be smaller than "
                    f"stride {stride} or dilation {dilation}"
                )

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim in (3, 4) and input.shape[-3] != self.in_channels:
            raise ValueError(
                f"ConvTranspose2d: expected {self.in_channels} input channels, got input of "
                f"shape {tuple(input.shape)}"
            )
        return conv_transpose2d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )
