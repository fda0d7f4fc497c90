"""One-dimensional layers: ``Conv1d``, ``MaxPool1d``, ``AvgPool1d`` over ``nn.functional.conv1d``
(PyTorch's arguments, initialisation and printed form)."""

import math

import numpy as np

from mathdl import backend
from mathdl.nn import init
from mathdl.nn.functional.convolution1d import _single, avg_pool1d, conv1d, max_pool1d
from mathdl.nn.layers.conv import _positive
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter


class Conv1d(Module):
    """``Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True)``: y = b + w ⋆ x for x (N, C_in, L); weight (C_out, C_in/groups, K) initialised
    U(−1/√fan_in, 1/√fan_in) with fan_in = C_in/groups · K (``kaiming_uniform_(a=√5)``), as PyTorch.

    >>> import mathdl as md
    >>> md.nn.Conv1d(2, 4, 3, padding=1)(md.ones(5, 2, 7)).shape
    (5, 4, 7)
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        dtype=None,
    ):
        super().__init__()
        where = "Conv1d"
        self.in_channels = _positive(in_channels, "in_channels", where)
        self.out_channels = _positive(out_channels, "out_channels", where)
        self.groups = _positive(groups, "groups", where)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"{where}: in_channels and out_channels must be divisible by groups={groups}")
        self.kernel_size = (_single(kernel_size, "kernel_size", where),)
        self.stride, self.dilation = (
            (_single(stride, "stride", where),),
            (_single(dilation, "dilation", where),),
        )
        self.padding = padding if isinstance(padding, str) else (_single(padding, "padding", where),)
        dtype = np.dtype(dtype) if dtype is not None else backend.get_default_dtype()
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.zeros(shape), dtype=dtype)
        if bias:
            self.bias = Parameter(np.zeros(self.out_channels), dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            init.uniform_(self.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))

    def forward(self, input):
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return conv1d(input, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups)

    def extra_repr(self):
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0,):
            text += (
                f", padding={self.padding!r}"
                if isinstance(self.padding, str)
                else f", padding={self.padding}"
            )
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class MaxPool1d(Module):
    """The maximum over windows (stride defaults to kernel_size): (N, C, L) → (N, C, L_out)."""

    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False
    ):
        super().__init__()
        if return_indices:
            raise ValueError("MaxPool1d: return_indices=True is not supported")
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode

    def forward(self, input):
        return max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool1d(Module):
    """The mean over windows (stride defaults to kernel_size): (N, C, L) → (N, C, L_out)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = (_single(kernel_size, "kernel_size", "AvgPool1d"),)
        self.stride = self.kernel_size if stride is None else (_single(stride, "stride", "AvgPool1d"),)
        self.padding = (_single(padding, "padding", "AvgPool1d"),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return avg_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
