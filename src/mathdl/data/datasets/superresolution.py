"""Training pairs for super-resolution: aligned (low-resolution, high-resolution) patches.

    from mathdl.data import load_photographs, sr_patches
    train = load_photographs("train", mode="y")                     # {name: (1, H, W)}
    low, high = sr_patches(train, scale=2, patch_size=17, count=16000)   # (16000, 1, 17, 17), (…, 34, 34)
    up, high = sr_patches(train, 2, 17, 16000, upscaled_input=True)  # SRCNN's input: (…, 1, 34, 34)

Each whole image H is cut to a multiple of the scale s (``modcrop``) and shrunk once,
L = ``bicubic_downscale(H, s)`` (antialiased bicubic, MATLAB's ``imresize``, as the papers); a patch
pair is a p × p window of L at (i, j) and the s·p × s·p window of H at (s·i, s·j), which covers
exactly the same part of the scene. Shrinking the whole image rather than each patch keeps the
low-resolution pixels near a patch's border equal to those the network sees on a full image.
With ``upscaled_input`` the input is instead the same window of ``bicubic_upscale(L, s)`` (SRCNN's
input). Each pair first picks an image, every image equally likely by default (``weighting='image'``:
the 1411 × 1411 retina, mostly black surround, would otherwise supply a third of the patches) or in
proportion to its number of positions (``'position'``), then a position uniformly. Reproducible
by ``seed``.
"""

import numpy as np

from mathdl.vision.superresolution import bicubic_downscale, bicubic_upscale, modcrop


def sr_pair(image, scale):
    """(high, low) for one image (C, H, W): H cut to a multiple of ``scale`` and its bicubic reduction."""
    high = modcrop(np.asarray(image), scale)
    return high, bicubic_downscale(high, scale).astype(high.dtype)


def _windows(image, tops, lefts, size):
    """Gather windows (count, C, size, size) of ``image`` (C, H, W) at the given corners."""
    grid = np.arange(size)
    rows = (tops[:, None] + grid)[:, None, :, None]
    cols = (lefts[:, None] + grid)[:, None, None, :]
    return image[np.arange(image.shape[0])[None, :, None, None], rows, cols]


def sr_patches(images, scale, patch_size, count, seed=0, upscaled_input=False, context=0, weighting="image"):
    """``count`` aligned pairs (inputs, targets) as float arrays (see the module docstring).

    Args:
        images: {name: (C, H, W)} or a list of such images (e.g. ``load_photographs('train', 'y')``).
        scale: the factor s (int ≥ 2).
        patch_size: the low-resolution side p (targets are s·p).
        count: the number of pairs.
        upscaled_input: inputs are the bicubic-enlarged windows (s·p, SRCNN) instead of the
            low-resolution ones (p, ESPCN).
        context: extra input pixels on every side, taken from the image (for networks without
            padding, trained as the papers do on the valid part: a network of receptive radius R
            maps an input p + 2R to the target p).
        weighting: ``image`` (each image equally likely) or ``position`` (each position).

    Returns (inputs (count, C, p + 2c, p + 2c) or (count, C, s·p + 2c, s·p + 2c), targets
    (count, C, s·p, s·p)), c = ``context``.
    """
    images = list(images.values()) if isinstance(images, dict) else list(images)
    if not images or any(np.ndim(image) != 3 for image in images):
        raise ValueError("sr_patches: expected a non-empty list of (C, H, W) images")
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 2:
        raise ValueError(f"sr_patches: scale must be an int >= 2, got {scale!r}")
    p, s = int(patch_size), int(scale)
    if p < 1 or isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(
            f"sr_patches: patch_size and count must be positive ints, got {patch_size!r}, {count!r}"
        )
    if isinstance(context, bool) or not isinstance(context, (int, np.integer)) or context < 0:
        raise ValueError(f"sr_patches: context must be a non-negative int, got {context!r}")
    factor = s if upscaled_input else 1
    margin = -(-int(context) // factor)  # the context in low-resolution pixels, rounded up
    pairs = [sr_pair(image, s) for image in images]
    positions = np.array(
        [
            max(low.shape[1] - p - 2 * margin + 1, 0) * max(low.shape[2] - p - 2 * margin + 1, 0)
            for _, low in pairs
        ]
    )
    if (positions <= 0).any():
        raise ValueError(f"sr_patches: a low-resolution patch of {p} pixels does not fit in every image")
    if weighting not in ("image", "position"):
        raise ValueError(f"sr_patches: weighting must be 'image' or 'position', got {weighting!r}")
    rng = np.random.default_rng(seed)
    chance = positions / positions.sum() if weighting == "position" else np.full(len(pairs), 1 / len(pairs))
    which = rng.choice(len(pairs), size=count, p=chance)
    channels, dtype = pairs[0][0].shape[0], pairs[0][0].dtype
    side = factor * p + 2 * context
    inputs = np.empty((count, channels, side, side), dtype=dtype)
    targets = np.empty((count, channels, s * p, s * p), dtype=dtype)
    for k, (high, low) in enumerate(pairs):  # one vectorised gather per image
        chosen = np.flatnonzero(which == k)
        tops = rng.integers(margin, low.shape[1] - p - margin + 1, chosen.size)
        lefts = rng.integers(margin, low.shape[2] - p - margin + 1, chosen.size)
        targets[chosen] = _windows(high, s * tops, s * lefts, s * p)
        source = bicubic_upscale(low, s).astype(dtype) if upscaled_input else low
        inputs[chosen] = _windows(source, factor * tops - context, factor * lefts - context, side)
    return inputs, targets


def synthetic_blocks(count, size=96, seed=0, channels=1):
    """``count`` synthetic two-level images (count of (channels, size, size) float32 arrays):
    overlapping rectangles XOR-ed on the 2-pixel grid, values 0.2 and 0.8 (colour images get one
    random colour pair each). Sharp edges, no texture: a stand-in for photographs in seconds-long
    runs and tests (bicubic interpolation smears every edge; a network learns to keep them)."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"synthetic_blocks: count must be a positive int, got {count!r}")
    if size < 8 or size % 2:
        raise ValueError(f"synthetic_blocks: size must be an even int >= 8, got {size!r}")
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        mask = np.zeros((size, size), dtype=bool)
        for _ in range(14):
            top, left = 2 * rng.integers(0, size // 2, 2)
            height, width = 2 * rng.integers(2, max(size // 10, 3), 2)
            mask[top : top + height, left : left + width] ^= True
        low, high = (
            (0.2, 0.8) if channels == 1 else (rng.uniform(0, 0.4, channels), rng.uniform(0.6, 1, channels))
        )
        image = np.where(mask[None], np.reshape(high, (-1, 1, 1)), np.reshape(low, (-1, 1, 1)))
        images.append(np.broadcast_to(image, (channels, size, size)).astype(np.float32))
    return images
