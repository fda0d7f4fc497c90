"""Conversions between stored images and network inputs: ``ToImage``, ``ToDtype``, ``ToTensor``,
``Normalize`` (torchvision.transforms.v2's names and formulas).

    ToDtype(float32, scale=True) on uint8:   x = q · (1/255)                 ∈ [0, 1]
    ToDtype(uint8, scale=True) on floats:    q = ⌊x · (255 + 1 − 10⁻³)⌋      (torchvision's rounding)
    ToTensor (classic):                      x = q / 255, (H, W, C) → (C, H, W)
    Normalize(mean, std):                    x'_c = (x_c − mean_c) / std_c   per channel c
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.data.transforms.base import Transform, unwrap, wrap


def _channels_first(array):
    """(H, W) → (1, H, W); (…, H, W, C) → (…, C, H, W) (torchvision's ``ToImage`` for ndarrays)."""
    if array.ndim == 2:
        return array[None]
    return np.moveaxis(array, -1, -3)


class ToImage(Transform):
    """A NumPy image (H, W) or (…, H, W, C) as a Tensor (…, C, H, W), values and dtype unchanged
    (torchvision's ``ToImage``); a Tensor is taken to be channels-first already and kept."""

    def __call__(self, inpt):
        if isinstance(inpt, Tensor):
            return inpt
        if not isinstance(inpt, np.ndarray) or inpt.ndim < 2:
            raise TypeError(
                f"ToImage: expected a NumPy image (H, W) or (…, H, W, C), got "
                f"{getattr(inpt, 'shape', type(inpt).__name__)}"
            )
        return Tensor(np.ascontiguousarray(_channels_first(inpt)))


class ToDtype(Transform):
    """Convert to ``dtype``; with ``scale=True`` map the value range of the old dtype onto the
    new one: uint8 → float multiplies by 1/255, float → uint8 is ⌊x (256 − 10⁻³)⌋ (torchvision's
    formulas; values of a float image are assumed to lie in [0, 1])."""

    def __init__(self, dtype, scale=False):
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"ToDtype: {dtype!r} is not a dtype") from None
        if self.dtype.kind not in "fiub":
            raise TypeError(f"ToDtype: cannot convert images to dtype {self.dtype}")
        self.scale = bool(scale)

    def __call__(self, inpt):
        array, was_tensor = unwrap(inpt, "ToDtype")
        return wrap(self.convert(array), was_tensor)

    def convert(self, array):
        source, target = array.dtype, self.dtype
        if not self.scale or source == target:
            return array.astype(target)
        if source.kind == "f" and target.kind == "f":
            return array.astype(target)
        if source == np.uint8 and target.kind == "f":
            return array.astype(target) * target.type(1.0 / 255.0)
        if source.kind == "f" and target == np.uint8:
            return (array * (255.0 + 1.0 - 1e-3)).astype(np.uint8)
        raise TypeError(f"ToDtype: scaling from {source} to {target} is not supported (uint8 ↔ floats only)")

    def extra_repr(self):
        return f"dtype={self.dtype}, scale={self.scale}"


class ToTensor(Transform):
    """torchvision's classic ``ToTensor``: a NumPy image (H, W) or (H, W, C) → a float32 Tensor
    (C, H, W), divided by 255 when it is uint8 (other dtypes are not scaled)."""

    batched = False

    def __call__(self, pic):
        if isinstance(pic, Tensor) or not isinstance(pic, np.ndarray) or pic.ndim not in (2, 3):
            raise TypeError(
                f"ToTensor: expected a NumPy image (H, W) or (H, W, C), got "
                f"{getattr(pic, 'shape', type(pic).__name__)}"
            )
        image = np.ascontiguousarray(_channels_first(pic))
        if pic.dtype == np.uint8:
            return Tensor(np.divide(image, np.float32(255.0), dtype=np.float32))
        return Tensor(image)


class Normalize(Transform):
    """x'_c = (x_c − mean_c) / std_c for every channel c of floating images (…, C, H, W).

    ``mean``, ``std``: one number per channel (or one for all). ``inplace=True`` writes into the
    input array."""

    def __init__(self, mean, std, inplace=False):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError(f"Normalize: mean and std must be sequences of numbers, got {mean!r}, {std!r}")
        if (self.std == 0).any():
            raise ValueError(f"Normalize: std evaluated to zero after conversion to float, std={std!r}")
        self.inplace = bool(inplace)

    def transform(self, batch):
        if batch.dtype.kind != "f":
            raise TypeError(
                f"Normalize: expected a floating image, got dtype {batch.dtype}; use ToDtype first"
            )
        channels = batch.shape[1]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if values.size not in (1, channels):
                raise ValueError(f"Normalize: {name} has {values.size} values for {channels} channels")
        mean = self.mean.astype(batch.dtype)[:, None, None]
        std = self.std.astype(batch.dtype)[:, None, None]
        if self.inplace:
            batch -= mean
            batch /= std
            return batch
        return (batch - mean) / std

    def extra_repr(self):
        return f"mean={self.mean.tolist()}, std={self.std.tolist()}, inplace={self.inplace}"
