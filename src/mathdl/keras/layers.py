"""Keras layers as a thin translation onto ``mathdl.nn``: ``Dense``, ``Flatten``, ``Dropout``,
``Activation``, ``ReLU``, ``Softmax``, ``Input``/``InputLayer`` (and the convolution layers in
``mathdl.keras.conv_layers``, re-exported here).

Keras conventions kept: layers are built lazily from the first input shape (or ``input_shape=``
/ ``Input(shape)``), kernels are initialised ``glorot_uniform`` and biases with zeros, names are
``dense``, ``dense_1``, … and ``get_weights()`` returns the kernel as (in, units). A mismatched
input raises Keras's message, e.g. ``Input 0 of layer dense is incompatible: expected shape
(None, 784), found (None, 28, 28)``.
"""

import math
import numbers
import re
from collections import defaultdict

import numpy as np

from mathdl import nn
from mathdl.autograd.function import as_tensor
from mathdl.nn import functional as F

_NAME_COUNTS = defaultdict(int)


def unique_name(base):
    """'dense', then 'dense_1', 'dense_2', … (one counter per base name, as Keras)."""
    count = _NAME_COUNTS[base]
    _NAME_COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def _snake_case(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def format_shape(shape):
    """(None, 28, 28) as Keras prints it."""
    return (
        "("
        + ", ".join("None" if s is None else str(s) for s in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def _shape_tuple(shape, where):
    if isinstance(shape, numbers.Integral):
        shape = (int(shape),)
    try:
        shape = tuple(None if s is None else int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: a shape must be a tuple of integers, got {shape!r}") from None
    if any(s is not None and s < 1 for s in shape):
        raise ValueError(f"{where}: shape dimensions must be positive, got {shape!r}")
    return shape


# ----- activations --------------------------------------------------------------------------
def _linear(x):
    return x


ACTIVATIONS = {
    None: _linear,
    "linear": _linear,
    "relu": F.relu,
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "softmax": lambda x: F.softmax(x, dim=-1),
}


def get_activation(activation):
    """(name, function) for an activation name ('relu', 'sigmoid', 'tanh', 'softmax', 'linear',
    None) or a callable on Tensors."""
    if callable(activation):
        return getattr(activation, "__name__", "custom"), activation
    if activation in ACTIVATIONS:
        return activation or "linear", ACTIVATIONS[activation]
    raise ValueError(
        f"unknown activation {activation!r}; known: "
        f"{sorted(k for k in ACTIVATIONS if k is not None)} or a callable"
    )


# ----- initializers (Keras names) -----------------------------------------------------------
_TRUNCATION = 0.87962566103423978  # std of a unit normal truncated to [−2, 2]


def _fans(weight):
    """(fan_in, fan_out) of an nn-layout weight (out, in, *kernel)."""
    receptive = int(np.prod(weight.shape[2:])) if weight.ndim > 2 else 1
    return weight.shape[1] * receptive, weight.shape[0] * receptive


def _truncated(weight, std):
    nn.init.trunc_normal_(weight, 0.0, std, -2 * std, 2 * std)


INITIALIZERS = {
    "glorot_uniform": lambda w: nn.init.xavier_uniform_(w),
    "glorot_normal": lambda w: _truncated(w, math.sqrt(2.0 / sum(_fans(w))) / _TRUNCATION),
    "he_uniform": lambda w: nn.init.uniform_(w, -math.sqrt(6.0 / _fans(w)[0]), math.sqrt(6.0 / _fans(w)[0])),
    "he_normal": lambda w: _truncated(w, math.sqrt(2.0 / _fans(w)[0]) / _TRUNCATION),
    "lecun_uniform": lambda w: nn.init.uniform_(
        w, -math.sqrt(3.0 / _fans(w)[0]), math.sqrt(3.0 / _fans(w)[0])
    ),
    "random_normal": lambda w: nn.init.normal_(w, 0.0, 0.05),
    "random_uniform": lambda w: nn.init.uniform_(w, -0.05, 0.05),
    "uniform": lambda w: nn.init.uniform_(w, -0.05, 0.05),
    "zeros": nn.init.zeros_,
    "ones": nn.init.ones_,
}


def initialize(weight, initializer, where):
    """Fill ``weight`` (nn layout) with the Keras initializer named ``initializer``."""
    if callable(initializer):
        values = np.asarray(initializer(_keras_shape(weight.shape)), dtype=weight.dtype)
        weight.array[...] = _from_keras_layout(values, weight.ndim)
        return
    if initializer not in INITIALIZERS:
        raise ValueError(f"{where}: unknown initializer {initializer!r}; known: {sorted(INITIALIZERS)}")
    INITIALIZERS[initializer](weight)


def _keras_shape(shape):
    if len(shape) == 2:  # Dense: nn (out, in) ↔ Keras (in, out)
        return (shape[1], shape[0])
    if len(shape) == 4:  # Conv2D: nn (out, in, kh, kw) ↔ Keras (kh, kw, in, out)
        return (shape[2], shape[3], shape[1], shape[0])
    return tuple(shape)


def _to_keras_layout(array):
    if array.ndim == 2:
        return array.T
    if array.ndim == 4:
        return array.transpose(2, 3, 1, 0)
    return array


def _from_keras_layout(array, ndim):
    if ndim == 2:
        return array.T
    if ndim == 4:
        return array.transpose(3, 2, 0, 1)
    return array


# ----- base classes -------------------------------------------------------------------------
class Layer(nn.Module):
    """Base of the Keras layers: a Module with a Keras name, lazy ``build(input_shape)`` and an
    input check. Accepts Keras's ``name=``, ``input_shape=``, ``input_dim=``, ``trainable=``,
    ``dtype=``; any other keyword raises TypeError naming it."""

    def __init__(
        self,
        name=None,
        input_shape=None,
        input_dim=None,
        batch_input_shape=None,
        trainable=True,
        dtype=None,
        **unknown,
    ):
        super().__init__()
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unrecognized keyword argument(s) {', '.join(sorted(unknown))}"
            )
        self.name = name or unique_name(_snake_case(type(self).__name__))
        where = f"layer {self.name}"
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        if input_dim is not None:
            input_shape = (input_dim,)
        self.declared_input_shape = _shape_tuple(input_shape, where) if input_shape is not None else None
        self.trainable = bool(trainable)
        self.dtype_policy = np.dtype(dtype) if dtype is not None else None
        self.built = False
        self.input_shape = None
        self.output_shape = None

    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` ((None, …), batch axis first)."""
        self.built = True

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (batch axis None)."""
        return tuple(input_shape)

    def check_input_shape(self, input_shape):
        """Raise Keras's incompatibility error if this built layer cannot take ``input_shape``."""
        expected = self.input_shape
        if expected is None:
            return
        if len(input_shape) != len(expected) or any(
            e is not None and s is not None and e != s for e, s in zip(expected[1:], input_shape[1:])
        ):
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape "
                f"{format_shape(expected)}, found {format_shape((None,) + tuple(input_shape[1:]))}"
            )

    def build_for(self, input_shape):
        """Build for ``input_shape`` if needed (checking it otherwise); returns the output shape."""
        input_shape = (None,) + tuple(input_shape[1:])
        if not self.built:
            self.build(input_shape)
            self.built = True
            self.input_shape = input_shape
            self.output_shape = self.compute_output_shape(input_shape)
        else:
            self.check_input_shape(input_shape)
        return self.output_shape

    def __call__(self, x, *args, **kwargs):
        x = as_tensor(x)
        if not self.built:
            self.build_for(x.shape)
        return self.forward(x, *args, **kwargs)

    def count_params(self):
        """The number of scalars in this layer's weights (trainable or not)."""
        return int(sum(t.array.size for t in self.weight_tensors()))

    def count_trainable_params(self):
        """The number of scalars the optimiser updates."""
        return int(sum(p.array.size for p in self.parameters())) if self.trainable else 0

    def weight_tensors(self):
        """The Tensors ``get_weights`` reports, in Keras's order (parameters; BatchNormalization
        adds its moving statistics)."""
        return list(self.parameters())

    def to_keras_layout(self, array):
        """An nn-layout weight array in Keras's layout (Dense kernels are transposed)."""
        return _to_keras_layout(array)

    def from_keras_layout(self, array, ndim):
        """Inverse of ``to_keras_layout``."""
        return _from_keras_layout(array, ndim)

    def get_weights(self):
        """The weights as NumPy arrays in Keras's layout (a Dense kernel is (in, units))."""
        return [np.array(self.to_keras_layout(t.array)) for t in self.weight_tensors()]

    def set_weights(self, weights):
        """Set the weights from arrays in Keras's layout (as ``get_weights`` returns them)."""
        tensors = self.weight_tensors()
        if len(weights) != len(tensors):
            raise ValueError(
                f"layer {self.name}: set_weights got {len(weights)} arrays, the layer has "
                f"{len(tensors)} weights"
            )
        for tensor, value in zip(tensors, weights):
            value = self.from_keras_layout(np.asarray(value), tensor.ndim)
            if value.shape != tensor.shape:
                raise ValueError(
                    f"layer {self.name}: weight shape {self.to_keras_layout(value).shape} does "
                    f"not match the layer's {self.to_keras_layout(tensor.array).shape}"
                )
            tensor.array[...] = value

    @property
    def weights(self):
        """The layer's weight Parameters (nn layout)."""
        return list(self.parameters())

    def extra_repr(self):
        return f"name={self.name!r}"


class InputLayer(Layer):
    """Declares the input shape (without the batch axis) of a Sequential model."""

    def __init__(self, shape=None, batch_size=None, name=None, input_shape=None, **kwargs):
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("InputLayer: give the input shape, e.g. Input(shape=(784,))")
        super().__init__(name=name or unique_name("input_layer"), input_shape=shape, **kwargs)
        self.batch_size = batch_size
        self.shape = (None,) + self.declared_input_shape

    def forward(self, x):
        return x


def Input(shape=None, batch_size=None, name=None, dtype=None):
    """``keras.Input(shape)``: the input of a model, e.g. ``Sequential([Input((784,)), Dense(10)])``."""
    return InputLayer(shape=shape, batch_size=batch_size, name=name, dtype=dtype)


# ----- core layers --------------------------------------------------------------------------
class Dense(Layer):
    """y = activation(x · kernel + bias), kernel (in, units) in Keras's view; stored as an
    ``nn.Linear`` (weight = kernelᵀ). Input (None, …, in) → (None, …, units)."""

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units < 1:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation_name, self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        for where, init in (
            ("kernel_initializer", kernel_initializer),
            ("bias_initializer", bias_initializer),
        ):
            if not callable(init) and init not in INITIALIZERS:
                raise ValueError(f"Dense: unknown {where} {init!r}; known: {sorted(INITIALIZERS)}")
        self.linear = None

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape "
                f"(None, ..., features) with a known last axis, found {format_shape(input_shape)}"
            )
        self.linear = nn.Linear(input_shape[-1], self.units, bias=self.use_bias, dtype=self.dtype_policy)
        initialize(self.linear.weight, self.kernel_initializer, f"layer {self.name}")
        if self.use_bias:
            initialize(self.linear.bias, self.bias_initializer, f"layer {self.name}")
        self.built = True

    def check_input_shape(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] != self.input_shape[-1]:
            expected = (None, self.input_shape[-1]) if len(self.input_shape) == 2 else self.input_shape
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape "
                f"{format_shape(expected)}, found {format_shape((None,) + tuple(input_shape[1:]))}"
            )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, logits=False):
        """``logits=True`` skips the activation (the fit loop uses it to fuse softmax or sigmoid
        into the loss)."""
        if x.ndim < 2 or x.shape[-1] != self.linear.in_features:
            self.check_input_shape(x.shape)
        y = self.linear(x)
        return y if logits else self.activation(y)

    def extra_repr(self):
        return f"name={self.name!r}, units={self.units}, activation={self.activation_name!r}"


class Activation(Layer):
    """Applies an activation ('relu', 'softmax', …) elementwise; shape unchanged."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation_name, self.activation = get_activation(activation)

    def forward(self, x, logits=False):
        return x if logits else self.activation(x)


class ReLU(Activation):
    """max(x, 0) elementwise."""

    def __init__(self, **kwargs):
        super().__init__("relu", **kwargs)


class Softmax(Activation):
    """softmax over the last axis."""

    def __init__(self, axis=-1, **kwargs):
        if axis != -1:
            raise ValueError(f"Softmax: only axis=-1 is supported, got {axis}")
        super().__init__("softmax", **kwargs)


class Flatten(Layer):
    """(None, d₁, d₂, …) → (None, d₁·d₂·…), in the input's (row-major, channels-last) order."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Flatten: only data_format='channels_last' is supported, got {data_format!r}")

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected at least 2 "
                f"dimensions (None, ...), found {format_shape(input_shape)}"
            )

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (None, None if any(s is None for s in rest) else int(np.prod(rest, dtype=np.int64)))

    def forward(self, x):
        if x.ndim != len(self.input_shape) or x.shape[1:] != self.input_shape[1:]:
            self.check_input_shape(x.shape)
        return x.reshape(x.shape[0], -1)


class Dropout(Layer):
    """Inverted dropout with drop probability ``rate`` during ``fit``; the identity otherwise."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout: rate must be a number in [0, 1), got {rate!r}")
        if noise_shape is not None:
            raise ValueError("Dropout: noise_shape is not supported")
        self.rate = float(rate)

    def forward(self, x):
        return F.dropout(x, self.rate, self.training)


def __getattr__(name):
    # Convolution, normalisation and embedding layers live in their own files (one concept per
    # file) and are imported on first use.
    if name in ("Conv2D", "MaxPooling2D", "AveragePooling2D", "Conv2d", "MaxPool2D", "AvgPool2D"):
        from mathdl.keras import conv_layers

        return getattr(conv_layers, name)
    if name == "BatchNormalization":
        from mathdl.keras.normalization import BatchNormalization

        return BatchNormalization
    if name == "Embedding":
        from mathdl.keras.embedding import Embedding

        return Embedding
    raise AttributeError(f"module 'mathdl.keras.layers' has no attribute {name!r}")
