"""Pixel scalings for image models, from uint8 images (N, H, W) or (N, C, H, W):

    unit      x / 255 ∈ [0, 1]           (classifiers, autoencoders, VAE: Bernoulli means)
    tanh      2 x / 255 − 1 ∈ [−1, 1]    (GANs, whose generators end in tanh)
    binary    [x / 255 > 0.5] ∈ {0, 1}   (the Bernoulli RBM)

``scale_images(x, 'unit')`` returns float32 (N, 1, H, W) for (N, H, W) input; ``flat=True``
gives (N, H·W).
"""

import numpy as np

from mathdl import backend

SCALINGS = ("unit", "tanh", "binary")


def scale_images(images, scaling="unit", flat=False, dtype=None):
    """uint8 (or float in [0, 1]) images scaled as ``scaling`` ('unit', 'tanh', 'binary')."""
    if scaling not in SCALINGS:
        raise ValueError(f"scale_images: scaling must be one of {', '.join(SCALINGS)}, got {scaling!r}")
    array = np.asarray(images)
    if array.ndim < 2:
        raise ValueError(f"scale_images: expected a batch of images (N, …), got shape {array.shape}")
    dtype = np.dtype(dtype or backend.get_default_dtype())
    if array.dtype == np.uint8:
        x = array.astype(dtype)
        x *= 1.0 / 255.0
    elif array.dtype.kind == "f":
        x = array.astype(dtype, copy=True)
    else:
        raise TypeError(f"scale_images: expected uint8 or floating images, got dtype {array.dtype}")
    if scaling == "tanh":
        x *= 2.0
        x -= 1.0
    elif scaling == "binary":
        x = (x > 0.5).astype(dtype)
    if flat:
        return x.reshape(len(x), -1)
    return x[:, None] if x.ndim == 3 else x


def unscale_images(x, scaling="unit"):
    """Back to [0, 1] for display: the inverse of ``scale_images`` ('binary' is already 0/1)."""
    x = np.asarray(x)
    return (x + 1.0) / 2.0 if scaling == "tanh" else x
