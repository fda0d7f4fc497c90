"""Image-classification datasets over uint8 image arrays: ``ImageDataset``, ``FashionMNIST``, ``MNIST``.

Images are stored once as the uint8 (N, H, W) array they were loaded as; each sample or batch is
converted on the way out, so a whole dataset is never copied to float.

Output format (the choice made here, as in torchvision's ``ToTensor``): float32 in [0, 1]
(pixel / 255) shaped (1, H, W), channels first for ``nn.Conv2d``. ``layout="hw"`` gives (H, W)
and ``layout="flat"`` gives (H*W,) for dense networks; ``scale=False`` keeps the raw uint8 values.
Labels come out as int64 (a Python int per sample).
"""

import numpy as np

from mathdl.data.dataset import Dataset, as_array, check_indices
from mathdl.data.datasets.fashion_subset import load_fashion_mnist_subset
from mathdl.data.datasets.mnist import FASHION_MNIST_CLASSES, MNIST_CLASSES, load_fashion_mnist, load_mnist

LAYOUTS = ("chw", "hw", "flat")


class ImageDataset(Dataset):
    """Labelled images held as uint8 (N, H, W), served as float32 [0, 1] (1, H, W) by default.

    Args:
        images: uint8 array (N, H, W).
        labels: integer array (N,).
        transform: optional callable applied to each image (after layout/scaling); a
            ``mathdl.data.transforms`` transform (``batched = True``) is applied to a whole
            batch in one call by ``get_batch`` (random parameters still drawn per image).
        target_transform: optional callable applied to each label.
        layout: ``"chw"`` → (1, H, W), ``"hw"`` → (H, W), ``"flat"`` → (H*W,).
        scale: divide by 255 into float32 (default) or keep uint8.
        classes: the class names, indexed by label.

    ``dataset[i]`` is ``(image, label)`` with ``image`` an ndarray and ``label`` an int;
    ``get_batch(idx)`` is ``(images (B, ...), labels (B,) int64)``.
    """

    def __init__(
        self, images, labels, transform=None, target_transform=None, layout="chw", scale=True, classes=None
    ):
        images = as_array(images, "ImageDataset images")
        labels = as_array(labels, "ImageDataset labels")
        if images.ndim != 3:
            raise ValueError(f"ImageDataset: images must have shape (N, H, W), got {images.shape}")
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise ValueError(f"ImageDataset: labels must have shape ({images.shape[0]},), got {labels.shape}")
        if labels.dtype.kind not in "iu":
            raise TypeError(f"ImageDataset: labels must be integers, got dtype {labels.dtype}")
        if layout not in LAYOUTS:
            raise ValueError(f"ImageDataset: layout must be one of {LAYOUTS}, got {layout!r}")
        for name, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"ImageDataset: {name} must be callable or None")
        self.images = images
        self.labels = labels.astype(np.int64, copy=False)
        self.transform = transform
        self.target_transform = target_transform
        self.layout = layout
        self.scale = bool(scale)
        self.classes = list(classes) if classes is not None else None

    def __len__(self):
        return self.images.shape[0]

    def _format(self, images, owned):
        """uint8 (B, H, W) -> the output layout and dtype, for a batch.

        ``owned``: ``images`` is already a fresh array (fancy-indexed), not a view of the store.
        """
        batch = images.shape[0]
        if self.layout == "chw":
            images = images[:, None, :, :]
        elif self.layout == "flat":
            images = images.reshape(batch, -1)
        if self.scale:
            # One pass converts and divides; exact division matches torchvision's x.float() / 255.
            return np.divide(images, np.float32(255.0), dtype=np.float32)
        return images if owned else images.copy()

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"{type(self).__name__}: index must be an integer, got {type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for length {n}")
        image = self._format(self.images[index][None], owned=False)[0]
        label = int(self.labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def get_batch(self, indices):
        """Images and labels at ``indices`` (B,): ``(images (B, ...), labels (B,) int64)``."""
        indices = check_indices(indices, len(self), f"{type(self).__name__}.get_batch")
        images = self._format(self.images[indices], owned=True)
        labels = self.labels[indices]
        if self.transform is not None:
            if getattr(self.transform, "batched", False):
                # a mathdl.data.transforms transform: one vectorised call, parameters per image
                images = np.asarray(self.transform(images))
            else:
                # a user's function of one image has to be called once per image
                images = np.stack([np.asarray(self.transform(image)) for image in images])
        if self.target_transform is not None:
            labels = np.asarray([self.target_transform(int(label)) for label in labels])
        return images, labels

    def __repr__(self):
        return (
            f"{type(self).__name__}({len(self)} images of {self.images.shape[1:]}, "
            f"layout={self.layout!r}, scale={self.scale})"
        )


class FashionMNIST(ImageDataset):
    """Fashion-MNIST as a Dataset: 60,000 training or 10,000 test images of 10 clothing classes.

    ``FashionMNIST(root=None, train=True, download=True, transform=None)``; the files are looked
    for as ``load_fashion_mnist`` does. ``subset=True`` uses the shipped offline subset instead
    (6,000 training / 1,000 test images). Samples are ``(image, label)`` with image float32
    [0, 1] shaped (1, 28, 28) unless ``layout``/``scale`` say otherwise (see ``ImageDataset``).
    """

    def __init__(
        self,
        root=None,
        train=True,
        download=True,
        transform=None,
        target_transform=None,
        layout="chw",
        scale=True,
        mirrors=None,
        subset=False,
    ):
        if subset:
            train_split, test_split = load_fashion_mnist_subset()
        else:
            train_split, test_split = load_fashion_mnist(root, download, mirrors)
        images, labels = train_split if train else test_split
        super().__init__(images, labels, transform, target_transform, layout, scale, FASHION_MNIST_CLASSES)
        self.train = bool(train)


class MNIST(ImageDataset):
    """MNIST digits as a Dataset: 60,000 training or 10,000 test images, labels 0..9.

    ``MNIST(root=None, train=True, download=True, transform=None)``; the files are looked for as
    ``load_mnist`` does. Samples as in ``FashionMNIST``.
    """

    def __init__(
        self,
        root=None,
        train=True,
        download=True,
        transform=None,
        target_transform=None,
        layout="chw",
        scale=True,
        mirrors=None,
    ):
        train_split, test_split = load_mnist(root, download, mirrors)
        images, labels = train_split if train else test_split
        super().__init__(images, labels, transform, target_transform, layout, scale, MNIST_CLASSES)
        self.train = bool(train)
