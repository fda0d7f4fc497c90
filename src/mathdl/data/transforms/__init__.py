"""Image transforms with torchvision.transforms.v2's names and semantics, vectorised over a batch.

    from mathdl.data import FashionMNIST, transforms as T
    augment = T.Compose([
        T.RandomCrop(28, padding=2),
        T.RandomHorizontalFlip(),
        T.RandomAffine(10, translate=(0.1, 0.1), interpolation="bilinear"),
        T.RandomErasing(p=0.25),
    ])
    train = FashionMNIST(subset=True, transform=augment)   # one call per batch in DataLoader
    mix = T.RandomChoice([T.MixUp(num_classes=10), T.CutMix(num_classes=10)])
    images, soft_labels = mix(images, labels)                # per batch, in the training step

A transform takes an image (C, H, W) / (H, W) or a batch (N, C, H, W), as a NumPy array or a
Tensor, and returns the same kind; random parameters are drawn per image (see ``base``).
"""

from mathdl.data.transforms.base import Compose, RandomApply, RandomChoice, Transform
from mathdl.data.transforms.conversion import Normalize, ToDtype, ToImage, ToTensor
from mathdl.data.transforms.geometry import (
    RandomAffine,
    RandomCrop,
    RandomHorizontalFlip,
    RandomRotation,
    RandomVerticalFlip,
    affine,
    crop,
    pad,
    rotate,
)
from mathdl.data.transforms.mixing import CutMix, MixUp, soft_targets
from mathdl.data.transforms.photometric import ColorJitter, RandomErasing

__all__ = [
    "ColorJitter",
    "Compose",
    "CutMix",
    "MixUp",
    "Normalize",
    "RandomAffine",
    "RandomApply",
    "RandomChoice",
    "RandomCrop",
    "RandomErasing",
    "RandomHorizontalFlip",
    "RandomRotation",
    "RandomVerticalFlip",
    "ToDtype",
    "ToImage",
    "ToTensor",
    "Transform",
    "affine",
    "crop",
    "pad",
    "rotate",
    "soft_targets",
]
