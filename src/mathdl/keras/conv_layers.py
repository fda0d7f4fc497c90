"""Keras's convolution and pooling layers, channels-last, on ``mathdl``'s convolution ops.

Keras tensors are (N, H, W, C) (images) and (N, T, C) (sequences); ``F.conv2d`` is PyTorch's
(N, C, H, W). Each layer transposes in, convolves, and transposes back. Kernels are stored in
Keras's layout — Conv2D (kh, kw, in, out), Conv1D (k, in, out) — and handed to the op as the
transposed view (out, in, kh, kw), so ``get_weights`` copies to and from Keras unchanged.

    Conv2D   y[n, i, j, o] = b_o + Σ_{u, v, c} K[u, v, c, o] x[n, s i + d u − p_top, s j + d v − p_left, c]
    Conv1D   the same along one axis; padding 'valid', 'same' or 'causal' (all on the left)
    'same'   TensorFlow's rule: output ⌈n/s⌉, total padding max((⌈n/s⌉ − 1)s + d(k − 1) + 1 − n, 0),
             the odd pixel at the bottom/right
    GlobalAveragePooling2D  mean over (H, W) → (N, C);  GlobalMaxPooling2D  max over (H, W)
    GlobalAveragePooling1D / GlobalMaxPooling1D  over T; ``keepdims=True`` keeps size-1 axes
"""

import numbers

from mathdl import ops
from mathdl.keras import initializers as keras_initializers
from mathdl.keras.base_layer import Layer, format_shape, positive_int
from mathdl.keras.core_layers import ActivationMixin, check_initializer
from mathdl.nn import functional as F
from mathdl.nn.layers.pooling import AvgPool2d as _NNAvgPool2d
from mathdl.nn.layers.pooling import MaxPool2d as _NNMaxPool2d


def _tuple(value, n, name, where):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value),) * n
    try:
        value = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{where}: {name} must be an int or {n} ints, got {value!r}") from None
    if len(value) != n or min(value) < 1:
        raise ValueError(f"{where}: {name} must be one or {n} positive ints, got {value!r}")
    return value


def _padding(padding, where, allowed=("valid", "same")):
    padding = str(padding).lower()
    if padding not in allowed:
        raise ValueError(f"{where}: padding must be one of {allowed}, got {padding!r}")
    return padding


def _data_format(data_format, where):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{where}: only data_format='channels_last' is supported, got {data_format!r}")


def axis_padding(size, kernel, stride, dilation, padding):
    """(output size, (before, after)) of one axis for 'valid', 'same' (TensorFlow) or 'causal'."""
    span = dilation * (kernel - 1) + 1
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + span - size, 0)
        return out, (total // 2, total - total // 2)
    if padding == "causal":
        return (size + span - 1 - span) // stride + 1, (span - 1, 0)
    return (size - span) // stride + 1, (0, 0)


class _Conv(ActivationMixin, Layer):
    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} {self.name}"
        _data_format(data_format, where)
        self.filters = positive_int(filters, "filters", where)
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size", where)
        self.strides = _tuple(strides, self.rank, "strides", where)
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate", where)
        allowed = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        self.padding = _padding(padding, where, allowed)
        self.set_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer", where)
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer", where)

    def _geometry(self, input_shape):
        sizes, pads = [], []
        spatial = input_shape[1 : 1 + self.rank]
        for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate):
            if size is None:
                sizes.append(None)
                pads.append(None)
                continue
            out, pad = axis_padding(size, k, s, d, self.padding)
            if out < 1:
                raise ValueError(
                    f"Input 0 of layer {self.name} is incompatible: a {self.kernel_size} kernel "
                    f"does not fit an input of shape {format_shape(input_shape)}"
                )
            sizes.append(out)
            pads.append(pad)
        return tuple(sizes), tuple(pads)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2 or input_shape[-1] is None:
            axes = "height, width, channels" if self.rank == 2 else "steps, channels"
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape (None, {axes}), "
                f"found {format_shape((None,) + tuple(input_shape[1:]))}"
            )
        self._geometry(input_shape)
        shape = self.kernel_size + (input_shape[-1], self.filters)
        self.kernel = self.add_weight(shape, self.kernel_initializer, name="kernel")
        self.bias = (
            self.add_weight((self.filters,), self.bias_initializer, name="bias") if self.use_bias else None
        )

    def _convolve(self, x_nchw, pads):
        raise NotImplementedError

    def call(self, inputs, logits=False):
        if inputs.ndim != self.rank + 2 or inputs.shape[-1] != self.kernel.shape[-2]:
            self.check_input_shape(inputs.shape)
        _, pads = self._geometry(inputs.shape)
        y = self._convolve(inputs, pads)
        return y if logits else self.activation(y)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "dilation_rate": list(self.dilation_rate),
            "activation": self._activation_spec,
            "use_bias": self.use_bias,
            "kernel_initializer": keras_initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras_initializers.serialize(self.bias_initializer),
        }


class Conv2D(_Conv):
    """``Conv2D(filters, kernel_size, strides=(1, 1), padding='valid', dilation_rate=(1, 1),
    activation=None)``: (None, H, W, C) → (None, H', W', filters)."""

    rank = 2

    def _convolve(self, x, pads):
        weight = self.kernel.transpose(3, 2, 0, 1)  # (kh, kw, in, out) → (out, in, kh, kw)
        y = F.conv2d(x.transpose(0, 3, 1, 2), weight, self.bias, self.strides, pads, self.dilation_rate)
        return y.transpose(0, 2, 3, 1)


class Conv1D(_Conv):
    """``Conv1D(filters, kernel_size, strides=1, padding='valid'|'same'|'causal',
    dilation_rate=1, activation=None)``: (None, T, C) → (None, T', filters)."""

    rank = 1

    def _convolve(self, x, pads):
        n, steps, channels = x.shape
        image = x.transpose(0, 2, 1).reshape(n, channels, 1, steps)
        k, c_in, c_out = self.kernel.shape
        weight = self.kernel.transpose(2, 1, 0).reshape(c_out, c_in, 1, k)
        y = F.conv2d(
            image, weight, self.bias, (1, self.strides[0]), ((0, 0), pads[0]), (1, self.dilation_rate[0])
        )
        return y.reshape(n, c_out, y.shape[3]).transpose(0, 2, 1)


# ----- pooling --------------------------------------------------------------------------------------
class _Pooling(Layer):
    rank = 2
    kind = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} {self.name}"
        _data_format(data_format, where)
        self.pool_size = _tuple(pool_size, self.rank, "pool_size", where)
        self.strides = _tuple(strides if strides is not None else self.pool_size, self.rank, "strides", where)
        self.padding = _padding(padding, where)
        if self.padding == "same" and self.strides != self.pool_size:
            raise ValueError(
                f"{where}: padding='same' is supported when strides equal pool_size "
                f"({self.pool_size}), got strides {self.strides}"
            )
        kernel, stride = (
            ((1,) + self.pool_size, (1,) + self.strides) if self.rank == 1 else (self.pool_size, self.strides)
        )
        ceil = self.padding == "same"
        if self.kind == "max":
            self.pool = _NNMaxPool2d(kernel, stride, ceil_mode=ceil)
        else:
            self.pool = _NNAvgPool2d(kernel, stride, ceil_mode=ceil, count_include_pad=False)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected rank {self.rank + 2}, "
                f"found {format_shape((None,) + tuple(input_shape[1:]))}"
            )
        for size, k in zip(input_shape[1:-1], self.pool_size):
            if size is not None and self.padding == "valid" and size < k:
                raise ValueError(
                    f"Input 0 of layer {self.name} is incompatible: pool {self.pool_size} does not "
                    f"fit an input of shape {format_shape(input_shape)}"
                )

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            self.check_input_shape(inputs.shape)
        if self.rank == 2:
            return self.pool(inputs.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1)
        n, steps, channels = inputs.shape
        y = self.pool(inputs.transpose(0, 2, 1).reshape(n, channels, 1, steps))
        return y.reshape(n, channels, y.shape[3]).transpose(0, 2, 1)

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": list(self.pool_size),
            "strides": list(self.strides),
            "padding": self.padding,
        }


class MaxPooling2D(_Pooling):
    """``MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid')``: the maximum of each window."""


class AveragePooling2D(_Pooling):
    """``AveragePooling2D(pool_size=(2, 2), strides=None, padding='valid')``: the mean of each
    window (over the real pixels only with 'same')."""

    kind = "average"


class MaxPooling1D(_Pooling):
    """``MaxPooling1D(pool_size=2, strides=None, padding='valid')`` over the steps of (None, T, C)."""

    rank = 1


class AveragePooling1D(_Pooling):
    """``AveragePooling1D(pool_size=2, strides=None, padding='valid')`` over the steps of (None, T, C)."""

    rank = 1
    kind = "average"


class _GlobalPooling(Layer):
    rank = 2
    kind = "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _data_format(data_format, f"{type(self).__name__} {self.name}")
        self.keepdims = bool(keepdims)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected rank {self.rank + 2}, "
                f"found {format_shape((None,) + tuple(input_shape[1:]))}"
            )

    def call(self, inputs):
        axes = tuple(range(1, 1 + self.rank))
        if self.kind == "average":
            return ops.mean(inputs, axes, keepdims=self.keepdims)
        return ops.amax(inputs, axes, keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling):
    """(None, H, W, C) → (None, C): the mean over the image of each channel."""


class GlobalMaxPooling2D(_GlobalPooling):
    """(None, H, W, C) → (None, C): the maximum over the image of each channel."""

    kind = "max"


class GlobalAveragePooling1D(_GlobalPooling):
    """(None, T, C) → (None, C): the mean over the steps."""

    rank = 1


class GlobalMaxPooling1D(_GlobalPooling):
    """(None, T, C) → (None, C): the maximum over the steps."""

    rank = 1
    kind = "max"


Conv2d = Conv2D
Convolution2D = Conv2D
Convolution1D = Conv1D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
