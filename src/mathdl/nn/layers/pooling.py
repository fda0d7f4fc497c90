"""Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (no parameters; formulas in
``mathdl/ops/pooling.py``). Inputs (N, C, H, W) or (C, H, W); PyTorch's arguments and defaults.

For the Keras facade: ``MaxPooling2D(pool_size=2)`` is ``MaxPool2d(2)`` on ``x.transpose(0, 3, 1, 2)``
(``strides`` defaults to ``pool_size`` in both); Keras' ``padding='same'`` pools over the real pixels
only, which is ``avg_pool2d(..., count_include_pad=False)`` / −∞ padding in max pooling.
"""

from mathdl.autograd.tensor import Tensor
from mathdl.nn.module import Module
from mathdl.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from mathdl.typing import IntPair


class MaxPool2d(Module):
    """y[n, c, i, j] = max over the kh × kw window at (s·i, s·j) (dilation d, −∞ padding p);
    ties send the gradient to the first maximum. stride defaults to kernel_size.

    >>> import mathdl as md
    >>> md.nn.MaxPool2d(2, stride=1)(md.ones(1, 1, 4, 4)).shape
    (1, 1, 3, 3)
    """

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        dilation: IntPair = 1,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """y[n, c, i, j] = (1/D) Σ over the kh × kw window at (s·i, s·j) (zero padding p; D = kh·kw,
    or the number of real pixels with count_include_pad=False). stride defaults to kernel_size.

    >>> import mathdl as md
    >>> md.nn.AvgPool2d(2)(md.ones(1, 1, 4, 6)).shape
    (1, 1, 2, 3)
    """

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Averages over an output_size grid of bins tiling the input ((N, C, H, W) → (N, C, H_out, W_out));
    ``AdaptiveAvgPool2d(1)`` is global average pooling.

    >>> import mathdl as md
    >>> md.nn.AdaptiveAvgPool2d((1, 1))(md.ones(2, 3, 5, 5)).shape
    (2, 3, 1, 1)
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
