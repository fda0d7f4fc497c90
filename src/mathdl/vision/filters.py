"""Separable window filters over the last two axes of images, with scipy.ndimage's border rule.

A filter with 1-D window w (2r + 1 taps) along one axis of n samples is a sparse linear map,

    y[i] = Σ_{k=−r..r} w[k + r] · x[reflect(i + k)],     reflect: … 2 1 0 | 0 1 … n−1 | n−1 n−2 …

(scipy's ``mode="reflect"``, NumPy's ``"symmetric"``), so it is applied as a ``Resample1d`` table
(``mathdl.ops.resampling``): vectorised, and differentiable to any order when given a Tensor.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.ops.resampling import Resample1d


def gaussian_window(sigma=1.5, truncate=4.0):
    """The normalised 1-D Gaussian of scipy.ndimage: exp(−x²/2σ²) at x = −r … r, r = ⌊truncate·σ + ½⌋.

    >>> gaussian_window(1.5, truncate=3.5).shape   # SSIM's 11-tap window
    (11,)
    """
    if not sigma > 0:
        raise ValueError(f"gaussian_window: sigma must be positive, got {sigma!r}")
    radius = int(truncate * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    return taps / taps.sum()


def filter_table(size, window, crop=0):
    """The (index, weight) table of filtering ``size`` samples with ``window`` (odd length),
    reflecting at the border and keeping outputs crop … size − crop − 1."""
    radius = len(window) // 2
    source = np.pad(np.arange(size), radius, mode="symmetric")
    rows = np.arange(crop, size - crop)
    index = source[rows[:, None] + np.arange(len(window))]
    return index, np.broadcast_to(np.asarray(window), index.shape).copy()


def separable_filter(image, window, crop=0):
    """Filter the last two axes of ``image`` (…, H, W) with the 1-D ``window`` along each, then drop
    ``crop`` pixels at each border. A Tensor gives a differentiable Tensor, an array an array."""
    tensor = image if isinstance(image, Tensor) else Tensor(np.asarray(image))
    if tensor.ndim < 2 or tensor.dtype.kind != "f":
        raise ValueError(
            f"separable_filter: expected a floating image (…, H, W), got {tensor.dtype} {tensor.shape}"
        )
    window = np.asarray(window, dtype=tensor.dtype)
    for axis in (tensor.ndim - 1, tensor.ndim - 2):
        tensor = Resample1d(axis, filter_table(tensor.shape[axis], window, crop))(tensor)
    return tensor if isinstance(image, Tensor) else tensor.array


def gaussian_filter(image, sigma, truncate=4.0):
    """Gaussian blur of the last two axes (…, H, W), equal to ``scipy.ndimage.gaussian_filter`` over
    those axes (``mode="reflect"``). Arrays → arrays (integers become float64); Tensors → Tensors.

    >>> import numpy as np
    >>> round(float(gaussian_filter(np.ones((5, 5)), 1.0).mean()), 12)
    1.0
    """
    if not isinstance(image, Tensor):
        image = np.asarray(image)
        image = image if image.dtype.kind == "f" else image.astype(np.float64)
    return separable_filter(image, gaussian_window(sigma, truncate))
