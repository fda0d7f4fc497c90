"""Keras's image layers on ``mathdl.nn``: ``Conv2D``, ``MaxPooling2D``, ``AveragePooling2D``.

Keras images are channels-last (N, H, W, C); ``mathdl.nn`` is PyTorch's (N, C, H, W). Each layer
transposes in, applies the nn layer, and transposes back, so the tensors between Keras layers stay
NHWC and ``Flatten`` flattens in Keras's order (weights copied from Keras therefore fit).
Kernels are shown in Keras's layout (kh, kw, in, out) by ``get_weights``; they are stored as
``nn.Conv2d``'s (out, in, kh, kw). ``padding='same'`` follows TensorFlow: output ⌈H/s⌉, padding
total max((⌈H/s⌉ − 1)s + k − H, 0), the odd pixel at the bottom/right.
"""

import numbers

from mathdl.keras.layers import INITIALIZERS, Layer, format_shape, get_activation, initialize
from mathdl.nn.layers.conv import Conv2d as _NNConv2d
from mathdl.nn.layers.pooling import AvgPool2d as _NNAvgPool2d
from mathdl.nn.layers.pooling import MaxPool2d as _NNMaxPool2d


def _pair(value, name, where):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value), int(value))
    try:
        value = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{where}: {name} must be an int or a pair of ints, got {value!r}") from None
    if len(value) != 2 or min(value) < 1:
        raise ValueError(f"{where}: {name} must be one or two positive ints, got {value!r}")
    return value


def _padding(padding, where):
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{where}: padding must be 'valid' or 'same', got {padding!r}")
    return padding


def _same_output(size, kernel, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, (total // 2, total - total // 2)


def _check_image(layer, input_shape):
    if len(input_shape) != 4 or any(s is None for s in input_shape[1:]):
        raise ValueError(
            f"Input 0 of layer {layer.name} is incompatible: expected shape (None, height, "
            f"width, channels), found {format_shape((None,) + tuple(input_shape[1:]))}"
        )


def _to_nchw(x):
    return x.transpose(0, 3, 1, 2)


def _to_nhwc(x):
    return x.transpose(0, 2, 3, 1)


class Conv2D(Layer):
    """``Conv2D(filters, kernel_size, strides=(1, 1), padding='valid', activation=None)``:
    (None, H, W, C) → (None, H', W', filters), y = activation(b + w ⋆ x)."""

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"Conv2D {self.name}"
        if isinstance(filters, bool) or not isinstance(filters, numbers.Integral) or filters < 1:
            raise ValueError(f"{where}: filters must be a positive integer, got {filters!r}")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{where}: only data_format='channels_last' is supported, got {data_format!r}")
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size", where)
        self.strides = _pair(strides, "strides", where)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate", where)
        self.padding = _padding(padding, where)
        self.activation_name, self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        for name, init in (
            ("kernel_initializer", kernel_initializer),
            ("bias_initializer", bias_initializer),
        ):
            if not callable(init) and init not in INITIALIZERS:
                raise ValueError(f"{where}: unknown {name} {init!r}; known: {sorted(INITIALIZERS)}")
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.conv = None

    def _geometry(self, input_shape):
        sizes, pads = [], []
        for size, k, s, d in zip(input_shape[1:3], self.kernel_size, self.strides, self.dilation_rate):
            span = d * (k - 1) + 1
            if self.padding == "same":
                out, pad = _same_output(size, span, s)
            else:
                out, pad = (size - span) // s + 1, (0, 0)
            if out < 1:
                raise ValueError(
                    f"Input 0 of layer {self.name} is incompatible: a {self.kernel_size} kernel "
                    f"does not fit an input of shape {format_shape(input_shape)}"
                )
            sizes.append(out)
            pads.append(pad)
        return tuple(sizes), tuple(pads)

    def build(self, input_shape):
        _check_image(self, input_shape)
        _, pads = self._geometry(input_shape)
        self.conv = _NNConv2d(
            input_shape[3],
            self.filters,
            self.kernel_size,
            stride=self.strides,
            padding=pads,
            dilation=self.dilation_rate,
            bias=self.use_bias,
            dtype=self.dtype_policy,
        )
        initialize(self.conv.weight, self.kernel_initializer, f"layer {self.name}")
        if self.use_bias:
            initialize(self.conv.bias, self.bias_initializer, f"layer {self.name}")

    def compute_output_shape(self, input_shape):
        sizes, _ = self._geometry(input_shape)
        return (None,) + sizes + (self.filters,)

    def forward(self, x, logits=False):
        if x.shape[1:] != self.input_shape[1:]:
            self.check_input_shape(x.shape)
        y = _to_nhwc(self.conv(_to_nchw(x)))
        return y if logits else self.activation(y)


class _Pooling2D(Layer):
    pool_class = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} {self.name}"
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{where}: only data_format='channels_last' is supported, got {data_format!r}")
        self.pool_size = _pair(pool_size, "pool_size", where)
        self.strides = _pair(strides if strides is not None else self.pool_size, "strides", where)
        self.padding = _padding(padding, where)
        if self.padding == "same" and self.strides != self.pool_size:
            raise ValueError(
                f"{where}: padding='same' is supported when strides equal pool_size "
                f"({self.pool_size}), got strides {self.strides}"
            )
        self.pool = self._make_pool()

    def build(self, input_shape):
        _check_image(self, input_shape)
        if self.compute_output_shape(input_shape)[1] < 1:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: pool {self.pool_size} does not "
                f"fit an input of shape {format_shape(input_shape)}"
            )

    def compute_output_shape(self, input_shape):
        sizes = []
        for size, k, s in zip(input_shape[1:3], self.pool_size, self.strides):
            sizes.append(-(-size // s) if self.padding == "same" else (size - k) // s + 1)
        return (None,) + tuple(sizes) + (input_shape[3],)

    def forward(self, x):
        if x.shape[1:] != self.input_shape[1:]:
            self.check_input_shape(x.shape)
        return _to_nhwc(self.pool(_to_nchw(x)))


class MaxPooling2D(_Pooling2D):
    """``MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid')``: the maximum of each
    window; (None, H, W, C) → (None, H', W', C)."""

    def _make_pool(self):
        return _NNMaxPool2d(self.pool_size, self.strides, ceil_mode=self.padding == "same")


class AveragePooling2D(_Pooling2D):
    """``AveragePooling2D(pool_size=(2, 2), strides=None, padding='valid')``: the mean of each
    window (over the real pixels only with 'same'); (None, H, W, C) → (None, H', W', C)."""

    def _make_pool(self):
        return _NNAvgPool2d(
            self.pool_size, self.strides, ceil_mode=self.padding == "same", count_include_pad=False
        )


Conv2d = Conv2D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
