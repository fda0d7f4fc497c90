"""More Keras layers: reshaping (``RepeatVector``, ``UpSampling1D/2D``, ``ZeroPadding1D/2D``,
``Cropping1D/2D``), ``TimeDistributed``, activations with parameters (``ELU``, ``PReLU``),
``UnitNormalization``, ``GroupNormalization`` and the noise layers (``GaussianNoise``,
``GaussianDropout``, ``SpatialDropout1D/2D``), channels-last.

    RepeatVector(n)        (None, d) → (None, n, d)
    UpSampling2D(size)     each pixel repeated size_h × size_w times (nearest)
    ZeroPadding2D(p)       zeros around the image: ((top, bottom), (left, right))
    Cropping2D(c)          the border removed: ((top, bottom), (left, right))
    TimeDistributed(layer) the layer on every step: (N, T, …) → (N·T, …) → layer → (N, T, …)
    PReLU                  max(x, 0) + α ⊙ min(x, 0), α learned (shape of the input, or shared axes)
    UnitNormalization      x / ‖x‖₂ along ``axis``
    GroupNormalization(G)  channels split into G consecutive groups; each normalised over its
                           channels and positions: (x − μ_g)/√(σ²_g + ε) γ + β, ε = 1e-3
    GaussianNoise(σ)       training: x + N(0, σ²);   GaussianDropout(r)  training: x · N(1, r/(1 − r))
    SpatialDropout1D/2D(r) training: whole channels dropped (one mask per sample and channel)
"""

import numpy as np

from mathdl import ops
from mathdl.autograd.tensor import Tensor
from mathdl.keras import initializers as keras_initializers
from mathdl.keras import saving
from mathdl.keras.base_layer import Layer, format_shape, positive_int
from mathdl.keras.core_layers import check_initializer
from mathdl.keras.random import SeedGenerator, _rng
from mathdl.nn import functional as F


def _pairs(value, n, name):
    """((before, after), …) for n axes from an int, n ints or n pairs."""
    if isinstance(value, (int, np.integer)):
        return ((int(value), int(value)),) * n
    value = tuple(value)
    if n == 1 and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
        return ((int(value[0]), int(value[1])),)
    if len(value) == n and all(isinstance(v, (int, np.integer)) for v in value):
        return tuple((int(v), int(v)) for v in value)
    if len(value) == n:
        return tuple((int(a), int(b)) for a, b in value)
    raise ValueError(f"{name}: expected an int, {n} ints or {n} (before, after) pairs, got {value!r}")


class RepeatVector(Layer):
    """``RepeatVector(n)``: (None, d) → (None, n, d)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = positive_int(n, "n", "RepeatVector")

    def call(self, inputs):
        if inputs.ndim != 2:
            raise ValueError(
                f"RepeatVector {self.name}: expected (None, features), got {format_shape(inputs.shape)}"
            )
        return ops.broadcast_to(ops.unsqueeze(inputs, 1), (inputs.shape[0], self.n, inputs.shape[1]))

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class _UpSampling(Layer):
    rank = 2

    def __init__(self, size=2, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        if interpolation != "nearest":
            raise ValueError(
                f"{type(self).__name__}: only interpolation='nearest' is supported, got {interpolation!r}"
            )
        size = (size,) * self.rank if isinstance(size, (int, np.integer)) else tuple(size)
        self.size = tuple(positive_int(s, "size", type(self).__name__) for s in size)

    def call(self, inputs):
        x = inputs
        for axis, factor in enumerate(self.size, start=1):
            if factor > 1:
                expanded = ops.unsqueeze(x, axis + 1)
                shape = list(expanded.shape)
                shape[axis + 1] = factor
                out = list(x.shape)
                out[axis] *= factor
                x = ops.broadcast_to(expanded, tuple(shape)).reshape(tuple(out))
        return x

    def get_config(self):
        return {**super().get_config(), "size": list(self.size)}


class UpSampling1D(_UpSampling):
    """``UpSampling1D(size=2)``: each step repeated ``size`` times."""

    rank = 1

    def get_config(self):
        return {**Layer.get_config(self), "size": self.size[0]}


class UpSampling2D(_UpSampling):
    """``UpSampling2D(size=(2, 2))``: nearest-neighbour enlargement of (None, H, W, C)."""


class _ZeroPadding(Layer):
    rank = 2

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, self.rank, type(self).__name__)

    def call(self, inputs):
        return ops.pad(inputs, ((0, 0),) + self.padding + ((0, 0),))

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding]}


class ZeroPadding1D(_ZeroPadding):
    """``ZeroPadding1D(padding=1)`` on (None, T, C)."""

    rank = 1


class ZeroPadding2D(_ZeroPadding):
    """``ZeroPadding2D(padding=(1, 1))`` on (None, H, W, C)."""


class _Cropping(Layer):
    rank = 2

    def __init__(self, cropping=0, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, self.rank, type(self).__name__)

    def build(self, input_shape):
        for size, (before, after) in zip(input_shape[1:], self.cropping):
            if size is not None and before + after >= size:
                raise ValueError(
                    f"{type(self).__name__} {self.name}: cropping {self.cropping} leaves nothing of {format_shape(input_shape)}"
                )

    def call(self, inputs):
        index = (slice(None),) + tuple(
            slice(b, inputs.shape[i + 1] - a) for i, (b, a) in enumerate(self.cropping)
        )
        return inputs[index]

    def get_config(self):
        return {**super().get_config(), "cropping": [list(c) for c in self.cropping]}


class Cropping1D(_Cropping):
    """``Cropping1D(cropping=(1, 1))`` on (None, T, C)."""

    rank = 1


class Cropping2D(_Cropping):
    """``Cropping2D(cropping=((0, 0), (0, 0)))`` on (None, H, W, C)."""


class TimeDistributed(Layer):
    """``TimeDistributed(layer)``: ``layer`` applied to every step of (None, T, …)."""

    def __init__(self, layer, **kwargs):
        if isinstance(layer, dict):
            layer = saving.deserialize_layer(layer)
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed {self.name}: expected (None, T, …), got {format_shape(input_shape)}"
            )
        self.layer.maybe_build((None,) + tuple(input_shape[2:]))

    def call(self, inputs, training=None):
        n, steps = inputs.shape[:2]
        y = self.layer(inputs.reshape((n * steps,) + tuple(inputs.shape[2:])), training=training)
        return y.reshape((n, steps) + tuple(y.shape[1:]))

    def get_config(self):
        return {**super().get_config(), "layer": saving.serialize_layer(self.layer)}


class ELU(Layer):
    """``ELU(alpha=1.0)``: x for x > 0, α (eˣ − 1) otherwise."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return F.elu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """``PReLU(alpha_initializer='zeros', shared_axes=None)``: max(x, 0) + α ⊙ min(x, 0)."""

    def __init__(self, alpha_initializer="zeros", shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = check_initializer(alpha_initializer, "alpha_initializer", "PReLU")
        self.shared_axes = None if shared_axes is None else [int(a) for a in np.atleast_1d(shared_axes)]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        self.alpha = self.add_weight(tuple(shape), self.alpha_initializer, name="alpha")

    def call(self, inputs):
        return F.relu(inputs) - self.alpha * F.relu(-inputs)

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": keras_initializers.serialize(self.alpha_initializer),
            "shared_axes": self.shared_axes,
        }


class UnitNormalization(Layer):
    """``UnitNormalization(axis=-1)``: x / ‖x‖₂ along ``axis`` (‖x‖ floored at 1e-6 as Keras)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else [int(a) for a in axis]

    def call(self, inputs):
        axis = self.axis if isinstance(self.axis, int) else tuple(self.axis)
        squared = ops.sum(inputs * inputs, axis, keepdims=True)
        return inputs * ops.rsqrt(ops.maximum(squared, Tensor(np.asarray(1e-12, dtype=inputs.dtype))))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class GroupNormalization(Layer):
    """``GroupNormalization(groups=32, axis=-1, epsilon=1e-3, center=True, scale=True)``."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        if axis != -1:
            raise ValueError(f"GroupNormalization: only axis=-1 (channels last) is supported, got {axis}")
        self.groups, self.epsilon = positive_int(groups, "groups", "GroupNormalization"), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels % self.groups:
            raise ValueError(
                f"GroupNormalization {self.name}: the number of channels ({channels}) must be a multiple of "
                f"groups ({self.groups})"
            )
        self.gamma = self.add_weight((channels,), "ones", name="gamma") if self.scale else None
        self.beta = self.add_weight((channels,), "zeros", name="beta") if self.center else None

    def call(self, inputs):
        shape = inputs.shape
        grouped = inputs.reshape(tuple(shape[:-1]) + (self.groups, shape[-1] // self.groups))
        axes = tuple(range(1, grouped.ndim - 2)) + (grouped.ndim - 1,)
        mean = ops.mean(grouped, axes, keepdims=True)
        centered = grouped - mean
        variance = ops.mean(centered * centered, axes, keepdims=True)
        y = (centered * ops.rsqrt(variance + self.epsilon)).reshape(shape)
        if self.gamma is not None:
            y = y * self.gamma
        return y + self.beta if self.beta is not None else y

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": -1,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
        }


class _Noise(Layer):
    def __init__(self, rate=None, stddev=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._generator = SeedGenerator(seed) if seed is not None else None

    def call(self, inputs, training=None):
        return self.noisy(inputs, _rng(self._generator)) if training else inputs


class GaussianNoise(_Noise):
    """``GaussianNoise(stddev, seed=None)``: adds N(0, stddev²) while training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = float(stddev)

    def noisy(self, x, rng):
        return x + Tensor(rng.normal(0.0, self.stddev, size=x.shape).astype(x.dtype))

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """``GaussianDropout(rate, seed=None)``: multiplies by N(1, rate/(1 − rate)) while training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"GaussianDropout: rate must be in [0, 1), got {rate}")
        self.rate = float(rate)

    def noisy(self, x, rng):
        std = np.sqrt(self.rate / (1.0 - self.rate))
        return x * Tensor(rng.normal(1.0, std, size=x.shape).astype(x.dtype))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class _SpatialDropout(_Noise):
    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"{type(self).__name__}: rate must be in [0, 1), got {rate}")
        self.rate = float(rate)

    def noisy(self, x, rng):
        shape = (x.shape[0],) + (1,) * self.rank + (x.shape[-1],)
        keep = (rng.random(shape) >= self.rate).astype(x.dtype) / (1.0 - self.rate)
        return x * Tensor(keep)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class SpatialDropout1D(_SpatialDropout):
    """``SpatialDropout1D(rate)``: whole channels of (None, T, C) dropped while training."""


class SpatialDropout2D(_SpatialDropout):
    """``SpatialDropout2D(rate)``: whole channels of (None, H, W, C) dropped while training."""

    rank = 2


__all__ = [
    "Cropping1D",
    "Cropping2D",
    "ELU",
    "GaussianDropout",
    "GaussianNoise",
    "GroupNormalization",
    "PReLU",
    "RepeatVector",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "TimeDistributed",
    "UnitNormalization",
    "UpSampling1D",
    "UpSampling2D",
    "ZeroPadding1D",
    "ZeroPadding2D",
]
