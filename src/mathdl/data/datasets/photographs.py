"""Natural photographs shipped inside scikit-image's wheel (no download), for image-to-image models:
super-resolution, denoising and style transfer. Install the extra with ``pip install mathdl[images]``.

    from mathdl.data import load_photograph, load_photographs
    y = load_photograph("camera", mode="y")            # (1, 512, 512) float32 luminance in [16, 235]/255
    train = load_photographs("train", mode="y")        # {name: (1, H, W)} of the twelve training images
    rgb = load_photograph("astronaut", layout="hwc")   # (512, 512, 3) float32 in [0, 1]

The split is fixed by image, so a model never sees any patch of a held-out photograph:

    test  (held out, 4): astronaut, camera, chelsea, coins
    train (12):          coffee, rocket, motorcycle, moon, brick, grass, gravel, hubble_deep_field,
                         immunohistochemistry, retina, page, text

The test images mix colour and grey, faces, fur, fine texture and flat regions (the roles Set5 and
Set14 play in the super-resolution papers). Only images scikit-image 0.26 ships in its wheel are
listed (eagle, lily, kidney, skin and others need a download); horse (a binary silhouette), clock
(synthetic motion blur), cell and colorwheel are left out as not natural photographs. Licences:
scikit-image's docstrings (``skimage.data.<name>``) mark each as public domain or CC0, except the
Middlebury motorcycle (research use, Scharstein et al. 2014) and coins (Brooklyn Museum, no known
copyright restrictions).

Modes: ``rgb`` (grey photographs repeated to 3 channels), ``grey`` (scikit-image's ``rgb2gray``:
0.2125 R + 0.7154 G + 0.0721 B) and ``y``, the luma of ITU-R BT.601 YCbCr as MATLAB's ``rgb2ycbcr``
computes it, which the super-resolution papers evaluate on:

    Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255,   R, G, B ∈ [0, 1]   →   Y ∈ [16/255, 235/255]
"""

import os

import numpy as np

TEST_PHOTOGRAPHS = ("astronaut", "camera", "chelsea", "coins")
TRAIN_PHOTOGRAPHS = (
    "coffee",
    "rocket",
    "motorcycle",
    "moon",
    "brick",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "page",
    "text",
)
# The natural photographs of the training split, what the super-resolution models train on: the
# scanned documents (page, text), the telescope and retina images (mostly black) are left out; they
# taught sharpening that does not transfer.
_NOT_NATURAL = ("hubble_deep_field", "retina", "page", "text")
NATURAL_TRAIN_PHOTOGRAPHS = tuple(name for name in TRAIN_PHOTOGRAPHS if name not in _NOT_NATURAL)
# name -> file in skimage/data (the files skimage.data.<name>() reads, without its download path)
_FILES = {
    "astronaut": "astronaut.png",
    "camera": "camera.png",
    "chelsea": "chelsea.png",
    "coins": "coins.png",
    "coffee": "coffee.png",
    "rocket": "rocket.jpg",
    "motorcycle": "motorcycle_left.png",
    "moon": "moon.png",
    "brick": "brick.png",
    "grass": "grass.png",
    "gravel": "gravel.png",
    "hubble_deep_field": "hubble_deep_field.jpg",
    "immunohistochemistry": "ihc.png",
    "retina": "retina.jpg",
    "page": "page.png",
    "text": "text.png",
}
PHOTOGRAPH_NAMES = TEST_PHOTOGRAPHS + TRAIN_PHOTOGRAPHS
MODES = ("rgb", "grey", "y")
LAYOUTS = ("chw", "hwc")


class PhotographsUnavailableError(ImportError):
    """scikit-image (the ``images`` extra) is not installed, or its bundled image is missing."""


def _data_folder():
    try:
        import skimage.data
    except ImportError:
        raise PhotographsUnavailableError(
            "the photographs come with scikit-image, which is not installed: pip install mathdl[images] "
            "(or pip install scikit-image)"
        ) from None
    return os.path.dirname(skimage.data.__file__)


def _rgb(rgb, channel_axis, op):
    """RGB as floats in [0, 1] with the channels last (integers are divided by their dtype's maximum)."""
    rgb = np.moveaxis(np.asarray(rgb), channel_axis, -1)
    if rgb.shape[-1] != 3:
        raise ValueError(f"{op}: expected 3 channels on axis {channel_axis}, got shape {rgb.shape}")
    if rgb.dtype.kind in "ui":
        rgb = rgb / float(np.iinfo(rgb.dtype).max)
    return rgb


def rgb_to_luminance(rgb, channel_axis=-1):
    """Y of MATLAB's ``rgb2ycbcr`` for RGB in [0, 1]: (16 + 65.481 R + 128.553 G + 24.966 B) / 255.

    >>> rgb_to_luminance(np.array([1.0, 1.0, 1.0])) * 255   # white is 235, black 16
    np.float64(235.0)
    """
    rgb = _rgb(rgb, channel_axis, "rgb_to_luminance")
    return (16.0 + rgb @ np.array([65.481, 128.553, 24.966], dtype=rgb.dtype)) / 255.0


def rgb_to_grey(rgb, channel_axis=-1):
    """scikit-image's ``rgb2gray``: 0.2125 R + 0.7154 G + 0.0721 B (ITU-R BT.709 luminance)."""
    rgb = _rgb(rgb, channel_axis, "rgb_to_grey")
    return rgb @ np.array([0.2125, 0.7154, 0.0721], dtype=rgb.dtype)


def _read(name):
    if name not in _FILES:
        raise ValueError(
            f"load_photograph: unknown photograph {name!r}; the names are {', '.join(PHOTOGRAPH_NAMES)}"
        )
    path = os.path.join(_data_folder(), _FILES[name])
    if not os.path.exists(path):
        raise PhotographsUnavailableError(
            f"load_photograph: scikit-image does not ship {path} in this version"
        )
    import skimage.io

    image = skimage.io.imread(path)
    return image[..., :3] if image.ndim == 3 else image  # drop an alpha channel if one appears


def load_photograph(name, mode="rgb", layout="chw", dtype=np.float32):
    """One photograph as floats in [0, 1] (``y`` in [16, 235]/255).

    Args:
        name: one of ``PHOTOGRAPH_NAMES``.
        mode: ``rgb`` (3 channels), ``grey`` or ``y`` (1 channel); see the module docstring.
        layout: ``chw`` (default: (C, H, W), channels first for convolutions) or ``hwc``
            ((H, W, 3) for rgb, (H, W) for grey and y: the layout of scikit-image and matplotlib).
        dtype: float32 (default) or float64.
    """
    if mode not in MODES:
        raise ValueError(f"load_photograph: mode must be one of {MODES}, got {mode!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"load_photograph: layout must be one of {LAYOUTS}, got {layout!r}")
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"load_photograph: dtype must be floating, got {dtype}")
    pixels = _read(name).astype(np.float64) / 255.0
    if mode == "rgb":
        image = pixels if pixels.ndim == 3 else np.repeat(pixels[..., None], 3, axis=-1)
    elif pixels.ndim == 2:  # a grey photograph: grey = R = G = B
        image = pixels if mode == "grey" else (16.0 + 219.0 * pixels) / 255.0
    else:
        image = rgb_to_grey(pixels) if mode == "grey" else rgb_to_luminance(pixels)
    if layout == "chw":
        image = np.moveaxis(image, -1, 0) if image.ndim == 3 else image[None]
    return np.ascontiguousarray(image, dtype=dtype)


def photograph_names(split="all"):
    """The names of ``split``: ``train`` (12), ``test`` (4, held out) or ``all``."""
    splits = {"train": TRAIN_PHOTOGRAPHS, "test": TEST_PHOTOGRAPHS, "all": PHOTOGRAPH_NAMES}
    if split not in splits:
        raise ValueError(f"photograph_names: split must be 'train', 'test' or 'all', got {split!r}")
    return splits[split]


def load_photographs(split="train", mode="rgb", layout="chw", dtype=np.float32):
    """{name: image} for every photograph of ``split`` (see ``load_photograph`` for the arguments)."""
    return {name: load_photograph(name, mode, layout, dtype) for name in photograph_names(split)}


def random_patches(images, patch_size, count, seed=0):
    """``count`` square patches (count, C, p, p) cut at uniformly random places of (C, H, W) images.

    Each patch picks an image with probability proportional to its number of possible patch
    positions (so every position of every image is equally likely), then a position. Reproducible
    for a given ``seed``.
    """
    images = list(images.values()) if isinstance(images, dict) else list(images)
    if not images or any(np.ndim(image) != 3 for image in images):
        raise ValueError("random_patches: expected a non-empty list of (C, H, W) images")
    p = int(patch_size)
    positions = np.array([max(im.shape[1] - p + 1, 0) * max(im.shape[2] - p + 1, 0) for im in images])
    if p < 1 or (positions <= 0).any():
        raise ValueError(f"random_patches: patch_size {patch_size} must be positive and fit in every image")
    channels = {im.shape[0] for im in images}
    if len(channels) != 1:
        raise ValueError(
            f"random_patches: all images need the same number of channels, got {sorted(channels)}"
        )
    rng = np.random.default_rng(seed)
    which = rng.choice(len(images), size=count, p=positions / positions.sum())
    out = np.empty((count, channels.pop(), p, p), dtype=images[0].dtype)
    grid = np.arange(p)
    for k, image in enumerate(images):  # one vectorised gather per image
        chosen = np.flatnonzero(which == k)
        top = rng.integers(0, image.shape[1] - p + 1, chosen.size)
        left = rng.integers(0, image.shape[2] - p + 1, chosen.size)
        rows = (top[:, None] + grid)[:, None, :, None]
        cols = (left[:, None] + grid)[:, None, None, :]
        out[chosen] = image[np.arange(image.shape[0])[None, :, None, None], rows, cols]
    return out


def labelled_patches(images, patch_size, count_per_image, seed=0):
    """Patches labelled by the photograph they come from: (patches (K·n, C, p, p), labels (K·n,)
    int64) for K images and ``count_per_image`` = n patches each, cut at uniformly random places
    (``random_patches`` on each image, seeds ``seed``, ``seed + 1``, …). For a classifier of
    photographs, e.g. the feature network of style transfer."""
    images = list(images.values()) if isinstance(images, dict) else list(images)
    if not images:
        raise ValueError("labelled_patches: expected a non-empty list of (C, H, W) images")
    parts = [random_patches([image], patch_size, count_per_image, seed + k) for k, image in enumerate(images)]
    labels = np.repeat(np.arange(len(images), dtype=np.int64), count_per_image)
    return np.concatenate(parts), labels
