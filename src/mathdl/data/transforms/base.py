"""The ``Transform`` base class, ``Compose``/``RandomApply``/``RandomChoice``, and how images are laid out.

An image is an array or Tensor shaped (C, H, W) (or (H, W) for one grey image); a batch is
(N, C, H, W). Every transform here accepts either and returns the same kind (a NumPy array in, a
NumPy array out; a Tensor in, a Tensor out, without a graph: augmentation acts on data).

**Random parameters are drawn per image.** Applied to a batch, a random transform draws one set of
parameters for each of its N images as arrays (N crop offsets, N flip decisions, N angles …) from
mathdl's generator (``md.manual_seed`` makes them reproducible) and applies them in one vectorised
pass: a batch costs the same as one image times N, with no Python loop over images. This is where
mathdl differs from torchvision.transforms.v2, which treats leading dimensions as a batch that
shares ONE set of parameters; applied to a single image the two agree in distribution. The
batch-mixing transforms (``MixUp``, ``CutMix``) keep torchvision's one λ per batch.
"""

import numpy as np

from mathdl import random as md_random
from mathdl.autograd.tensor import Tensor


def generator():
    """mathdl's global generator (read at every call: ``md.manual_seed`` replaces it)."""
    return md_random.generator()


def unwrap(inpt, where):
    """(array, was_tensor) for an image or batch given as a NumPy array or a Tensor."""
    if isinstance(inpt, Tensor):
        return inpt.array, True
    if isinstance(inpt, np.ndarray):
        return inpt, False
    raise TypeError(f"{where}: expected a NumPy array or a Tensor image, got {type(inpt).__name__}")


def wrap(array, was_tensor):
    """``array`` back in the caller's kind."""
    return Tensor(array) if was_tensor else array


def as_batch(array, where):
    """``array`` viewed as (N, C, H, W) and a function that restores the input's layout.

    (H, W) is one grey image, (C, H, W) one image, (N, C, H, W) a batch; other ranks are refused."""
    if array.ndim == 4:
        return array, lambda out: out
    if array.ndim == 3:
        return array[None], lambda out: out[0]
    if array.ndim == 2:
        return array[None, None], lambda out: out[0, 0]
    raise ValueError(
        f"{where}: expected an image (H, W) or (C, H, W) or a batch (N, C, H, W), got {array.shape}"
    )


def image_bound(dtype, where):
    """The largest pixel value of an image dtype: 1 for floats, 255 for uint8."""
    if dtype.kind == "f":
        return 1.0
    if dtype == np.uint8:
        return 255.0
    raise TypeError(f"{where}: images must be floating (values in [0, 1]) or uint8, got dtype {dtype}")


def check_probability(p, where, name="p"):
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{where}: {name} must be a probability in [0, 1], got {p!r}")
    return float(p)


def check_range(value, where, name, centre=0.0, low=None):
    """A pair (a, b), a <= b. A single number v >= 0 means (centre − v, centre + v), its lower end
    raised to ``low`` if given (torchvision's brightness: [max(0, 1 − v), 1 + v]); a given pair
    must lie above ``low``."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{where}: {name} must be non-negative when a single number, got {value}")
        a, b = centre - float(value), centre + float(value)
        if low is not None:
            a = max(a, low)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        a, b = float(value[0]), float(value[1])
        if low is not None and a < low:
            raise ValueError(f"{where}: {name} values must be >= {low}, got {value!r}")
    else:
        raise ValueError(f"{where}: {name} must be a number or a pair (min, max), got {value!r}")
    if a > b:
        raise ValueError(f"{where}: {name} must satisfy min <= max, got {(a, b)}")
    return a, b


class Transform:
    """Base class: subclasses implement ``transform(batch)`` on a NumPy batch (N, C, H, W) (or
    override ``__call__`` for other inputs). ``batched = True`` tells ``ImageDataset`` that one
    call can transform a whole batch (so ``get_batch`` calls it once instead of once per image)."""

    batched = True

    def __call__(self, inpt):
        array, was_tensor = unwrap(inpt, type(self).__name__)
        batch, restore = as_batch(array, type(self).__name__)
        return wrap(restore(self.transform(batch)), was_tensor)

    def transform(self, batch):
        raise NotImplementedError(f"{type(self).__name__}.transform")

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


def _check_transforms(transforms, where):
    transforms = list(transforms)
    for t in transforms:
        if not callable(t):
            raise TypeError(f"{where}: every transform must be callable, got {type(t).__name__}")
    return transforms


class Compose(Transform):
    """Apply ``transforms`` one after another: ``Compose([RandomCrop(28, 4), Normalize(…)])``.

    Batch-capable when every member is (a plain function counts as per-image). Called with
    several arguments (``Compose([...])(images, labels)``), each member receives and returns them
    all (as the batch-mixing transforms do)."""

    def __init__(self, transforms):
        self.transforms = _check_transforms(transforms, "Compose")
        self.batched = all(getattr(t, "batched", False) for t in self.transforms)

    def __call__(self, *inputs):
        if len(inputs) == 1:
            out = inputs[0]
            for t in self.transforms:
                out = t(out)
            return out
        for t in self.transforms:
            inputs = t(*inputs)
        return inputs

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class RandomApply(Transform):
    """Apply all of ``transforms`` (in order) with probability ``p``, else none, drawn per image."""

    def __init__(self, transforms, p=0.5):
        self.transforms = Compose(transforms)
        self.p = check_probability(p, "RandomApply")
        self.batched = self.transforms.batched

    def transform(self, batch):
        chosen = generator().random(batch.shape[0]) < self.p
        if not chosen.any():
            return batch
        if self.batched:
            transformed = np.asarray(self.transforms(batch[chosen]))
        else:  # a user's per-image function among the transforms
            transformed = np.stack([np.asarray(self.transforms(image)) for image in batch[chosen]])
        if transformed.shape[1:] != batch.shape[1:]:
            raise ValueError(
                f"RandomApply: the transforms must keep the image shape {batch.shape[1:]}, "
                f"got {transformed.shape[1:]}"
            )
        out = batch.astype(transformed.dtype, copy=True)
        out[chosen] = transformed
        return out

    def extra_repr(self):
        return f"p={self.p}, {self.transforms!r}"


class RandomChoice:
    """Apply one of ``transforms``, chosen with probabilities ``p`` (uniform by default), once per
    call: ``RandomChoice([CutMix(num_classes=10), MixUp(num_classes=10)])(images, labels)``, as in
    torchvision (for batch-mixing transforms the choice is per batch)."""

    batched = True

    def __init__(self, transforms, p=None):
        self.transforms = _check_transforms(transforms, "RandomChoice")
        if not self.transforms:
            raise ValueError("RandomChoice: give at least one transform")
        if p is None:
            p = [1.0] * len(self.transforms)
        p = np.asarray(p, dtype=np.float64)
        if p.shape != (len(self.transforms),) or (p < 0).any() or p.sum() <= 0:
            raise ValueError(
                f"RandomChoice: p must hold {len(self.transforms)} non-negative weights, got {p.tolist()}"
            )
        self.p = p / p.sum()

    def __call__(self, *inputs):
        index = int(generator().choice(len(self.transforms), p=self.p))
        return self.transforms[index](*inputs)

    def __repr__(self):
        return f"RandomChoice({self.transforms!r}, p={self.p.tolist()})"
