"""Keras's ``BatchNormalization`` and ``LayerNormalization`` (channels last, ``axis=-1``).

BatchNormalization, for each feature c of the last axis, over the batch (and spatial) axes:

    training:   y = γ (x − μ_B) / √(σ²_B + ε) + β      (σ²_B the biased batch variance)
                moving_mean ← ρ moving_mean + (1 − ρ) μ_B,   moving_variance ← ρ moving_variance + (1 − ρ) σ²_B
    inference:  y = γ (x − moving_mean) / √(moving_variance + ε) + β

with Keras's defaults ρ (``momentum``) = 0.99, ε = 1e-3; the moving variance takes the biased
batch variance, as Keras does (PyTorch's BatchNorm uses the unbiased one). ``get_weights`` returns
[gamma, beta, moving_mean, moving_variance]; the last two are non-trainable.

LayerNormalization, per sample over the last axis (``axis=-1``, or the given axes):

    y = γ (x − μ) / √(σ² + ε) + β,   μ, σ² the mean and biased variance over the axes, ε = 1e-3
"""

import numpy as np

from mathdl import ops
from mathdl.keras import initializers as keras_initializers
from mathdl.keras.base_layer import Layer, format_shape
from mathdl.keras.core_layers import check_initializer
from mathdl.nn import functional as F


class BatchNormalization(Layer):
    """``BatchNormalization(axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True)``
    for inputs (None, C), (None, T, C) or (None, H, W, C)."""

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if axis != -1:
            raise ValueError(f"BatchNormalization: only axis=-1 (channels last) is supported, got {axis}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1], got {momentum}")
        self.axis, self.momentum, self.epsilon = -1, float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        where = "BatchNormalization"
        self.initializers = {
            "beta_initializer": check_initializer(beta_initializer, "beta_initializer", where),
            "gamma_initializer": check_initializer(gamma_initializer, "gamma_initializer", where),
            "moving_mean_initializer": check_initializer(
                moving_mean_initializer, "moving_mean_initializer", where
            ),
            "moving_variance_initializer": check_initializer(
                moving_variance_initializer, "moving_variance_initializer", where
            ),
        }

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible: expected shape (None, ..., C) with a "
                f"known last axis, found {format_shape(input_shape)}"
            )
        c = (input_shape[-1],)
        init = self.initializers
        self.gamma = self.add_weight(c, init["gamma_initializer"], name="gamma") if self.scale else None
        self.beta = self.add_weight(c, init["beta_initializer"], name="beta") if self.center else None
        self.moving_mean = self.add_weight(
            c, init["moving_mean_initializer"], trainable=False, name="moving_mean"
        )
        self.moving_variance = self.add_weight(
            c, init["moving_variance_initializer"], trainable=False, name="moving_variance"
        )

    def call(self, inputs, training=None):
        if inputs.shape[-1] != self.moving_mean.shape[0]:
            self.check_input_shape(inputs.shape)
        axes = tuple(range(inputs.ndim - 1))
        if training:
            mean = ops.mean(inputs, axes, keepdims=True)
            centered = inputs - mean
            variance = ops.mean(centered * centered, axes, keepdims=True)
            x_hat = centered / ops.sqrt(variance + self.epsilon)
            rho = self.momentum
            self.moving_mean.array[...] = rho * self.moving_mean.array + (1 - rho) * mean.array.reshape(-1)
            self.moving_variance.array[...] = rho * self.moving_variance.array + (
                1 - rho
            ) * variance.array.reshape(-1)
        else:
            inv = (1.0 / np.sqrt(self.moving_variance.array + self.epsilon)).astype(inputs.dtype)
            x_hat = (inputs - self.moving_mean.array.astype(inputs.dtype)) * inv
        if self.gamma is not None:
            x_hat = x_hat * self.gamma
        if self.beta is not None:
            x_hat = x_hat + self.beta
        return x_hat

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **{k: keras_initializers.serialize(v) for k, v in self.initializers.items()},
        }


class LayerNormalization(Layer):
    """``LayerNormalization(axis=-1, epsilon=0.001, center=True, scale=True)``."""

    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = check_initializer(beta_initializer, "beta_initializer", "LayerNormalization")
        self.gamma_initializer = check_initializer(
            gamma_initializer, "gamma_initializer", "LayerNormalization"
        )

    def _axes(self, ndim):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        return tuple(sorted(a % ndim for a in axes))

    def build(self, input_shape):
        axes = self._axes(len(input_shape))
        if 0 in axes or any(input_shape[a] is None for a in axes):
            raise ValueError(
                f"LayerNormalization {self.name}: axis {self.axis} must be known non-batch axes of "
                f"{format_shape(input_shape)}"
            )
        shape = tuple(input_shape[a] for a in axes)
        self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma") if self.scale else None
        self.beta = self.add_weight(shape, self.beta_initializer, name="beta") if self.center else None

    def call(self, inputs):
        axes = self._axes(inputs.ndim)
        trailing = axes == tuple(range(inputs.ndim - len(axes), inputs.ndim))
        if trailing:
            shape = tuple(inputs.shape[a] for a in axes)
            return F.layer_norm(inputs, shape, self.gamma, self.beta, self.epsilon)
        mean = ops.mean(inputs, axes, keepdims=True)
        centered = inputs - mean
        variance = ops.mean(centered * centered, axes, keepdims=True)
        y = centered / ops.sqrt(variance + self.epsilon)
        broadcast = tuple(inputs.shape[a] if a in axes else 1 for a in range(inputs.ndim))
        if self.gamma is not None:
            y = y * self.gamma.reshape(broadcast)
        if self.beta is not None:
            y = y + self.beta.reshape(broadcast)
        return y

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": keras_initializers.serialize(self.beta_initializer),
            "gamma_initializer": keras_initializers.serialize(self.gamma_initializer),
        }
