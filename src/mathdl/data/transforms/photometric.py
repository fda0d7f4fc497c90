"""Photometric augmentation: ``ColorJitter`` (brightness, contrast, saturation) and
``RandomErasing``, with torchvision.transforms.v2's arguments and formulas, parameters drawn per
image.

    brightness f:  x' = clamp(f x, 0, 1)
    contrast f:    x' = clamp(f x + (1 − f) m, 0, 1),   m = mean over the image of its grey level
    saturation f:  x' = clamp(f x + (1 − f) g, 0, 1),   g = 0.2989 R + 0.587 G + 0.114 B per pixel
                   (grey images: g = x, so saturation changes nothing, as in torchvision)

with f ~ U[max(0, 1 − b), 1 + b] for an argument b (or U[min, max] for a pair), the enabled
adjustments applied in a random order per image (torchvision draws a permutation too). The bound
1 is 255 for uint8 images (the result truncated back to uint8, as torchvision's ``.to(uint8)``).

RandomErasing (Zhong et al., 2020): with probability p, erase a rectangle of area
A·U(scale) and aspect ratio exp(U(log ratio)), h = round(√(area·ratio)), w = round(√(area/ratio));
up to 10 draws until it fits inside the image (h < H and w < W), else the image is left alone;
its top-left corner is uniform over the positions where it fits. The rectangle takes ``value``
(a number, one per channel, or 'random': N(0, 1) noise per pixel).
"""

import numpy as np

from mathdl.data.transforms.base import Transform, check_probability, check_range, generator, image_bound

GREY_WEIGHTS = np.array([0.2989, 0.587, 0.114])


def grey_level(batch):
    """(N, 1, H, W) grey level: the image itself for one channel, the ITU-R 601 weights for RGB."""
    if batch.shape[1] == 1:
        return batch.astype(np.float64)
    if batch.shape[1] != 3:
        raise ValueError(f"ColorJitter: expected 1 or 3 channels, got {batch.shape[1]}")
    return np.einsum("nchw,c->nhw", batch.astype(np.float64), GREY_WEIGHTS)[:, None]


def blend(image, other, factor, bound):
    """clamp(f x + (1 − f) y, 0, bound) with one factor per image (N,)."""
    factor = factor.reshape(-1, 1, 1, 1)
    return np.clip(factor * image + (1.0 - factor) * other, 0.0, bound)


def adjust(batch, operation, factor, bound):
    """One ColorJitter adjustment of a float64 batch with factors (N,)."""
    if operation == "brightness":
        return blend(batch, 0.0, factor, bound)
    if operation == "contrast":
        return blend(batch, grey_level(batch).mean(axis=(1, 2, 3), keepdims=True), factor, bound)
    if batch.shape[1] == 1:  # saturation of a grey image: nothing to desaturate
        return batch
    return blend(batch, grey_level(batch), factor, bound)


class ColorJitter(Transform):
    """Random brightness, contrast and saturation per image (torchvision's ``ColorJitter``).

    Each argument b gives factors U[max(0, 1 − b), 1 + b], or U[min, max] for a pair; None or 0
    disables it. Hue jitter (a rotation in HSV space) is not implemented: a non-zero ``hue``
    raises ValueError."""

    OPERATIONS = ("brightness", "contrast", "saturation")

    def __init__(self, brightness=None, contrast=None, saturation=None, hue=None):
        if hue not in (None, 0, 0.0):
            raise ValueError(
                "ColorJitter: hue jitter is not implemented (brightness, contrast, saturation are)"
            )
        self.ranges = {}
        for name, value in zip(self.OPERATIONS, (brightness, contrast, saturation)):
            if value is None or (not isinstance(value, (tuple, list)) and value == 0):
                continue
            self.ranges[name] = check_range(value, "ColorJitter", name, centre=1.0, low=0.0)

    def transform(self, batch):
        bound = image_bound(batch.dtype, "ColorJitter")
        if not self.ranges:
            return batch
        rng = generator()
        n, names = batch.shape[0], list(self.ranges)
        factors = {name: rng.uniform(*self.ranges[name], size=n) for name in names}
        order = np.argsort(rng.random((n, len(names))), axis=1)  # a random permutation per image
        out = batch.astype(np.float64)
        for step in range(len(names)):
            for k, name in enumerate(names):
                chosen = order[:, step] == k
                if chosen.any():
                    out[chosen] = adjust(out[chosen], name, factors[name][chosen], bound)
        return out.astype(batch.dtype)

    def extra_repr(self):
        return ", ".join(f"{name}={value}" for name, value in self.ranges.items())


class RandomErasing(Transform):
    """Erase a random rectangle of each image with probability ``p`` (torchvision's
    ``RandomErasing(p, scale, ratio, value, inplace)``; see the module docstring)."""

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, inplace=False):
        self.p = check_probability(p, "RandomErasing")
        self.scale = check_range(tuple(scale), "RandomErasing", "scale")
        self.ratio = check_range(tuple(ratio), "RandomErasing", "ratio")
        if not 0.0 <= self.scale[0] <= self.scale[1] <= 1.0:
            raise ValueError(f"RandomErasing: scale must lie in [0, 1], got {scale!r}")
        if self.ratio[0] <= 0:
            raise ValueError(f"RandomErasing: ratio must be positive, got {ratio!r}")
        if isinstance(value, str) and value != "random":
            raise ValueError(f"RandomErasing: value must be a number, a sequence or 'random', got {value!r}")
        self.value, self.inplace = value, bool(inplace)

    def rectangles(self, n, height, width, attempts=10):
        """Per image: (erase (n,) bool, top, left, h, w) — the first of ``attempts`` draws that fits."""
        rng = generator()
        area = height * width * rng.uniform(*self.scale, size=(n, attempts))
        aspect = np.exp(rng.uniform(np.log(self.ratio[0]), np.log(self.ratio[1]), size=(n, attempts)))
        h = np.rint(np.sqrt(area * aspect)).astype(np.int64)
        w = np.rint(np.sqrt(area / aspect)).astype(np.int64)
        fits = (h < height) & (w < width)
        first = np.argmax(fits, axis=1)
        h, w = h[np.arange(n), first], w[np.arange(n), first]
        erase = fits.any(axis=1) & (rng.random(n) < self.p)
        h, w = np.where(erase, h, 0), np.where(erase, w, 0)
        top = rng.integers(0, height - h + 1)
        left = rng.integers(0, width - w + 1)
        return erase, top, left, h, w

    def transform(self, batch):
        n, channels, height, width = batch.shape
        erase, top, left, h, w = self.rectangles(n, height, width)
        rows, columns = np.arange(height), np.arange(width)
        inside_rows = (rows >= top[:, None]) & (rows < (top + h)[:, None])
        inside_columns = (columns >= left[:, None]) & (columns < (left + w)[:, None])
        mask = (inside_rows[:, :, None] & inside_columns[:, None, :] & erase[:, None, None])[:, None]
        if isinstance(self.value, str):
            value = generator().standard_normal(batch.shape).astype(batch.dtype)
        else:
            value = np.asarray(self.value, dtype=batch.dtype).reshape(-1, 1, 1)
            if value.shape[0] not in (1, channels):
                raise ValueError(f"RandomErasing: value has {value.shape[0]} entries for {channels} channels")
        if self.inplace:
            np.copyto(batch, np.broadcast_to(value, batch.shape), where=np.broadcast_to(mask, batch.shape))
            return batch
        return np.where(mask, value, batch)

    def extra_repr(self):
        return f"p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value!r}"
