"""Lazy layers: ``LazyLinear(out_features)`` and ``LazyConv2d(out_channels, kernel_size, ...)``
infer their input size (``in_features`` / ``in_channels``) from the first input, as PyTorch's.

Before the first call, the weight is an ``UninitializedParameter``: a Parameter with no values
(its array is empty, shape (0,)). It is returned by ``parameters()`` like any other, so an
optimiser built before the first call holds it; the first ``forward`` (or a ``load_state_dict``,
which reads the size from the saved weight) materialises it IN PLACE (the same object becomes an
ordinary ``Parameter`` of the right shape, drawn with the layer's usual initialisation), and the
module's class becomes ``Linear`` / ``Conv2d``, exactly as in PyTorch. Using the weight before
that (an optimiser step with a gradient, say) fails with the shapes named.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.nn.layers.conv import Conv2d
from mathdl.nn.layers.linear import Linear
from mathdl.nn.module import Module
from mathdl.nn.parameter import Parameter


class UninitializedParameter(Parameter):
    """A Parameter whose shape is not known yet; ``materialize(shape)`` gives it one, in place."""

    __slots__ = ()

    def __init__(self, requires_grad=True, dtype=None):
        super().__init__(None, requires_grad=requires_grad, dtype=dtype)

    def materialize(self, shape, dtype=None):
        """Become an ordinary Parameter of ``shape`` (zeros; the owner then initialises it)."""
        self.array = np.zeros(tuple(shape), dtype=dtype or self.array.dtype)
        self.__class__ = Parameter

    def __repr__(self):
        return "<UninitializedParameter>"


def _uninitialize(module):
    # replace the weight in its registry slot, so the order stays (weight, bias) as in PyTorch
    weight = UninitializedParameter(dtype=module.weight.array.dtype)
    module._parameters["weight"] = weight
    object.__setattr__(module, "weight", weight)


def _batch_shape(input, dim, where):
    shape = input.shape if isinstance(input, Tensor) else np.shape(input)
    if len(shape) == 0:
        raise ValueError(f"{where}: cannot infer the input size from a 0-dimensional input")
    return int(shape[dim])


class _LazyMixin:
    """Materialise on the first forward or load_state_dict, then become ``cls_to_become``."""

    cls_to_become = None

    def has_uninitialized_params(self):
        return isinstance(self.weight, UninitializedParameter)

    def _materialize(self, size):
        self._set_input_size(size)
        self.weight.materialize(self._weight_shape())
        if self.bias is not None and self.bias.array.shape != (self.out_features_or_channels(),):
            self.bias.array = np.zeros((self.out_features_or_channels(),), dtype=self.bias.array.dtype)
        self.reset_parameters()
        self.__class__ = self.cls_to_become

    def __call__(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self._materialize(_batch_shape(input, self._input_dim(input), type(self).__name__))
        return Module.__call__(self, input, *args, **kwargs)

    def load_state_dict(self, state_dict, strict=True):
        key = "weight"
        if self.has_uninitialized_params() and key in state_dict:
            saved = state_dict[key]
            shape = saved.shape if isinstance(saved, Tensor) else np.shape(saved)
            self._materialize(shape[1] * (self.groups if hasattr(self, "groups") else 1))
        return Module.load_state_dict(self, state_dict, strict)

    def reset_parameters(self):
        if not self.has_uninitialized_params():
            self.cls_to_become.reset_parameters(self)


class LazyLinear(_LazyMixin, Linear):
    """``LazyLinear(out_features, bias=True)``: a ``Linear`` whose ``in_features`` is the last size
    of the first input.

    >>> import mathdl as md
    >>> layer = md.nn.LazyLinear(3)
    >>> layer(md.ones(2, 5)).shape, layer.weight.shape, type(layer).__name__
    ((2, 3), (3, 5), 'Linear')
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, dtype=None):
        super().__init__(0, out_features, bias, dtype)
        _uninitialize(self)

    def _input_dim(self, input):
        return -1

    def _set_input_size(self, size):
        self.in_features = size

    def _weight_shape(self):
        return (self.out_features, self.in_features)

    def out_features_or_channels(self):
        return self.out_features


class LazyConv2d(_LazyMixin, Conv2d):
    """``LazyConv2d(out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True)``: a ``Conv2d`` whose ``in_channels`` is read from the first input (N, C, H, W).

    >>> import mathdl as md
    >>> layer = md.nn.LazyConv2d(4, 3, padding=1)
    >>> layer(md.ones(1, 2, 5, 5)).shape, layer.weight.shape
    ((1, 4, 5, 5), (4, 2, 3, 3))
    """

    cls_to_become = Conv2d

    def __init__(
        self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, dtype=None
    ):
        super().__init__(groups, out_channels, kernel_size, stride, padding, dilation, groups, bias, dtype)
        self.in_channels = 0
        _uninitialize(self)

    def _input_dim(self, input):
        return -3

    def _set_input_size(self, size):
        if size % self.groups:
            raise ValueError(f"LazyConv2d: {size} input channels are not divisible by groups={self.groups}")
        self.in_channels = size

    def _weight_shape(self):
        return (self.out_channels, self.in_channels // self.groups) + self.kernel_size

    def out_features_or_channels(self):
        return self.out_channels
