"""Keras's core layers: ``Dense``, ``Activation``/``ReLU``/``Softmax``/``LeakyReLU``, ``Flatten``,
``Dropout``, ``Reshape``, ``Permute``, ``Identity``, ``Lambda``.

    Dense          y = activation(x K + b),  K (in, units) stored in Keras's layout
    Reshape        (None, d₁, …) → (None, *target_shape)   (one −1 inferred), row-major order
    Permute(dims)  (None, d₁, …, d_k) → axes reordered by dims (1-based, batch axis fixed)
    Dropout(rate)  training: x · m / (1 − rate), m ~ Bernoulli(1 − rate); inference: x

A mismatched input raises Keras's message, e.g. ``Input 0 of layer dense is incompatible:
expected shape (None, 784), found (None, 28, 28)``.
"""

import numbers

import numpy as np

from mathdl import ops
from mathdl.keras import activations
from mathdl.keras import initializers as keras_initializers
from mathdl.keras.base_layer import Layer, format_shape, positive_int
from mathdl.nn import functional as F


def activation_name(activation):
    """The name stored for an activation (its __name__ for unregistered callables)."""
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation
    try:
        return activations.serialize(activation)
    except ValueError:
        return getattr(activation, "__name__", "custom")


def check_initializer(value, name, where):
    """Raise ValueError naming an unknown initializer."""
    try:
        keras_initializers.get(value)
    except ValueError:
        raise ValueError(
            f"{where}: unknown {name} {value!r}; known: {sorted(keras_initializers.ALL)}"
        ) from None
    return value


class ActivationMixin:
    """Sets ``activation`` (a function) and ``activation_name`` from a name or callable."""

    def set_activation(self, activation):
        self.activation = activations.get(activation)
        self.activation_name = activation_name(activation)
        self._activation_spec = (
            activation if isinstance(activation, str) or activation is None else self.activation_name
        )


class Dense(ActivationMixin, Layer):
    """``Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform',
    bias_initializer='zeros')``: (None, …, in) → (None, …, units)."""

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
        self.units = positive_int(units, "units", "Dense")
        self.set_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer", "Dense")
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer", "Dense")

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape "
                f"(None, ..., features) with a known last axis, found {format_shape(input_shape)}"
            )
        self.kernel = self.add_weight((input_shape[-1], self.units), self.kernel_initializer, name="kernel")
        self.bias = (
            self.add_weight((self.units,), self.bias_initializer, name="bias") if self.use_bias else None
        )

    def check_input_shape(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] != self.kernel.shape[0]:
            expected = (None, self.kernel.shape[0]) if len(self.input_shape) == 2 else self.input_shape
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape "
                f"{format_shape(expected)}, found {format_shape((None,) + tuple(input_shape[1:]))}"
            )

    def call(self, inputs, logits=False):
        """``logits=True`` skips the activation (fit fuses softmax/sigmoid into the loss)."""
        if inputs.ndim < 2 or inputs.shape[-1] != self.kernel.shape[0]:
            self.check_input_shape(inputs.shape)
        # x K + b with K in Keras's (in, units) layout: the kernel's gradient xᵀ ḡ comes out in
        # that layout, contiguous (a transposed view through F.linear made the optimiser's
        # elementwise update run strided: 14% of a step for the book network)
        y = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            y = y + self.bias
        return y if logits else self.activation(y)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self._activation_spec,
            "use_bias": self.use_bias,
            "kernel_initializer": keras_initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras_initializers.serialize(self.bias_initializer),
        }

    def extra_repr(self):
        return f"name={self.name!r}, units={self.units}, activation={self.activation_name!r}"


class Activation(ActivationMixin, Layer):
    """Applies an activation ('relu', 'softmax', …) elementwise; shape unchanged."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.set_activation(activation)

    def call(self, inputs, logits=False):
        return inputs if logits else self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": self._activation_spec}


class ReLU(Layer):
    """``ReLU(max_value=None, negative_slope=0.0, threshold=0.0)`` (Keras's generalised ReLU)."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = (
            max_value,
            float(negative_slope),
            float(threshold),
        )
        self.activation_name = "relu"

    def call(self, inputs):
        return activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self):
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class LeakyReLU(Layer):
    """``LeakyReLU(negative_slope=0.3)``: x for x ≥ 0, slope · x otherwise."""

    def __init__(self, negative_slope=0.3, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return F.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class Softmax(Layer):
    """softmax over ``axis`` (default −1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.activation_name = "softmax" if self.axis == -1 else None

    def call(self, inputs, logits=False):
        return inputs if logits else ops.softmax(inputs, self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


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

    def call(self, inputs):
        if inputs.ndim != len(self.input_shape):
            self.check_input_shape(inputs.shape)
        return inputs.reshape(inputs.shape[0], -1)


class Dropout(Layer):
    """Inverted dropout with drop probability ``rate`` while training; the identity otherwise."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout: rate must be a number in [0, 1), got {rate!r}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed
        from mathdl.keras.random import SeedGenerator

        self._seed_generator = SeedGenerator(seed) if seed is not None else None

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        if self.noise_shape is None and self._seed_generator is None:
            return F.dropout(inputs, self.rate, True)
        from mathdl.keras import random as keras_random

        return keras_random.dropout(inputs, self.rate, self.noise_shape, self._seed_generator)

    def get_config(self):
        noise = list(self.noise_shape) if self.noise_shape is not None else None
        return {**super().get_config(), "rate": self.rate, "noise_shape": noise, "seed": self.seed}


class Reshape(Layer):
    """``Reshape(target_shape)``: (None, …) → (None, *target_shape); one entry may be −1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(s) for s in target_shape)
        if sum(s == -1 for s in self.target_shape) > 1 or any(s < -1 or s == 0 for s in self.target_shape):
            raise ValueError(
                f"Reshape: target_shape may hold positive sizes and one -1, got {target_shape!r}"
            )

    def build(self, input_shape):
        known = input_shape[1:]
        if all(s is not None for s in known):
            size = int(np.prod(known))
            fixed = int(np.prod([s for s in self.target_shape if s != -1]))
            if (-1 not in self.target_shape and fixed != size) or size % fixed:
                raise ValueError(
                    f"Reshape {self.name}: total size of the input {format_shape(input_shape)} ({size}) "
                    f"does not fit target_shape {self.target_shape}"
                )

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """``Permute(dims)``: reorders the non-batch axes; ``dims`` is 1-based (Keras), e.g. (2, 1)
    swaps the two axes of (None, T, C)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                f"must be consecutive and start from 1. Received dims={dims!r}"
            )

    def build(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(
                f"Permute {self.name}: dims {self.dims} need inputs of rank {len(self.dims) + 1}, "
                f"got {format_shape(input_shape)}"
            )

    def call(self, inputs):
        return inputs.transpose((0,) + self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class Identity(Layer):
    """Returns its input."""

    def call(self, inputs):
        return inputs


class Lambda(Layer):
    """``Lambda(function)``: wraps ``function(inputs)`` as a layer (not savable: a function has
    no config; write a registered Layer subclass instead)."""

    def __init__(self, function, output_shape=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {function!r}")
        self.function, self.arguments = function, dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def get_config(self):
        raise NotImplementedError(
            f"Lambda layer {self.name} cannot be saved (its function is code); use a registered Layer subclass"
        )
