"""Keras's image preprocessing layers: ``Rescaling``, ``RandomFlip``, ``RandomRotation``.

    Rescaling(scale, offset=0)   y = x · scale + offset
    RandomFlip(mode)             training: each image mirrored left–right ('horizontal') and/or
                                 top–bottom ('vertical') with probability ½ (independently);
                                 inference: the identity
    RandomRotation(factor)       training: each image rotated by θ ~ U(2π·lower, 2π·upper)
                                 (factor a means (−a, a)), counter-clockwise for θ > 0, about
                                 the image centre; inference: the identity

RandomRotation follows Keras's transform: the output pixel (x, y) reads the input at
(x_c + cos θ (x − x_c) − sin θ (y − y_c), y_c + sin θ (x − x_c) + cos θ (y − y_c)), with
(x_c, y_c) = ((W − 1)/2, (H − 1)/2). In grid_sample's normalised coordinates (align_corners=False,
where u = (2x + 1)/W − 1 so x − x_c = u W/2) that is the affine map

    θ = [[cos θ, −sin θ · H/W, 0], [sin θ · W/H, cos θ, 0]],

sampled bilinearly (or nearest) by ``F.grid_sample``; ``fill_mode`` 'reflect' (Keras's default,
d c b a | a b c d) is grid_sample's 'reflection', 'constant' (fill_value 0) its 'zeros', 'nearest'
its 'border'.
"""

import math

import numpy as np

from mathdl.autograd.function import as_tensor
from mathdl.keras.base_layer import Layer, format_shape
from mathdl.keras.random import SeedGenerator, _rng
from mathdl.nn import functional as F


class Rescaling(Layer):
    """``Rescaling(scale, offset=0.0)``: x · scale + offset (e.g. 1/255 for pixel values)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = float(scale), float(offset)

    def call(self, inputs):
        y = inputs * self.scale
        return y + self.offset if self.offset else y

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


def _check_images(layer, input_shape):
    if len(input_shape) != 4:
        raise ValueError(
            f"Input 0 of layer {layer.name} is incompatible: expected images (None, H, W, C), "
            f"found {format_shape(input_shape)}"
        )


class RandomFlip(Layer):
    """``RandomFlip(mode='horizontal_and_vertical', seed=None)``."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(**kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(
                f"RandomFlip: mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical', got {mode!r}"
            )
        self.mode, self.seed = mode, seed
        self._generator = SeedGenerator(seed) if seed is not None else None

    def build(self, input_shape):
        _check_images(self, input_shape)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        from mathdl import ops

        rng = _rng(self._generator)
        batch = inputs.shape[0]
        x = inputs
        for axis, active in ((2, "horizontal" in self.mode), (1, "vertical" in self.mode)):
            if not active:
                continue
            flip = rng.random(batch) < 0.5
            index = [slice(None)] * 4
            index[axis] = slice(None, None, -1)
            x = ops.where(flip.reshape(batch, 1, 1, 1), x[tuple(index)], x)
        return x

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "seed": self.seed}


def rotate(images, angles, fill_mode="reflect", interpolation="bilinear"):
    """Rotate images (N, H, W, C) counter-clockwise by ``angles`` (N,) radians (Keras's
    RandomRotation transform; see the module docstring)."""
    images = as_tensor(images)
    n, height, width, channels = images.shape
    cos, sin = np.cos(angles), np.sin(angles)
    theta = np.zeros((n, 2, 3), dtype=images.dtype)
    theta[:, 0, 0], theta[:, 0, 1] = cos, -sin * height / width
    theta[:, 1, 0], theta[:, 1, 1] = sin * width / height, cos
    grid = F.affine_grid(as_tensor(theta), (n, channels, height, width), align_corners=False)
    padding = {"reflect": "reflection", "constant": "zeros", "nearest": "border"}[fill_mode]
    out = F.grid_sample(
        images.transpose(0, 3, 1, 2), grid, mode=interpolation, padding_mode=padding, align_corners=False
    )
    return out.transpose(0, 2, 3, 1)


class RandomRotation(Layer):
    """``RandomRotation(factor, fill_mode='reflect', interpolation='bilinear', seed=None,
    fill_value=0.0)``; ``factor`` a (fraction of 2π) or (lower, upper)."""

    def __init__(
        self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs
    ):
        super().__init__(**kwargs)
        lower, upper = (
            (-float(factor), float(factor)) if np.isscalar(factor) else (float(factor[0]), float(factor[1]))
        )
        if upper < lower:
            raise ValueError(f"RandomRotation: factor lower bound {lower} is above the upper bound {upper}")
        if fill_mode not in ("reflect", "constant", "nearest"):
            raise ValueError(
                f"RandomRotation: fill_mode must be 'reflect', 'constant' or 'nearest', got {fill_mode!r}"
            )
        if fill_mode == "constant" and fill_value != 0.0:
            raise ValueError("RandomRotation: fill_mode='constant' supports fill_value=0.0 only")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(
                f"RandomRotation: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}"
            )
        self.factor = (lower, upper)
        self.fill_mode, self.interpolation, self.seed, self.fill_value = (
            fill_mode,
            interpolation,
            seed,
            fill_value,
        )
        self._generator = SeedGenerator(seed) if seed is not None else None

    def build(self, input_shape):
        _check_images(self, input_shape)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        lower, upper = self.factor
        angles = _rng(self._generator).uniform(lower * 2 * math.pi, upper * 2 * math.pi, size=inputs.shape[0])
        return rotate(inputs, angles, self.fill_mode, self.interpolation)

    def get_config(self):
        return {
            **super().get_config(),
            "factor": list(self.factor),
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
        }
