"""Image quality metrics: PSNR and SSIM, equal to scikit-image's and differentiable (SSIM as a loss).

PSNR (peak signal-to-noise ratio) of an estimate x̂ of an image x with pixel range R:

    MSE = (1/P) Σ_p (x̂_p − x_p)²,        PSNR = 10 · log₁₀(R² / MSE)   (dB; +∞ for identical images)

SSIM (Wang, Bovik, Sheikh & Simoncelli 2004, "Image quality assessment: from error visibility to
structural similarity") compares local means, variances and the covariance under a Gaussian
window w (σ = 1.5, 11 × 11 taps: radius ⌊3.5σ + ½⌋, as scikit-image's ``truncate=3.5``):

    μ_x = w ∗ x,   σ_x² = w ∗ x² − μ_x²,   σ_xy = w ∗ (x·y) − μ_x μ_y     (population moments)
    SSIM(p) = (2 μ_x μ_y + C₁)(2 σ_xy + C₂) / ((μ_x² + μ_y² + C₁)(σ_x² + σ_y² + C₂)),
    C₁ = (K₁ R)², C₂ = (K₂ R)², K₁ = 0.01, K₂ = 0.03,

and the score is the mean of the SSIM map over the pixels at least (win_size − 1)/2 from the border
(scikit-image's crop), averaged over channels. The window filter reflects at the border
(scipy.ndimage's ``mode="reflect"``, which only matters when ``win_size`` is smaller than the
Gaussian's support). ``use_sample_covariance=True`` multiplies the moments by NP/(NP − 1) with
NP = win_size², scikit-image's default; ``gaussian_weights=False`` uses a uniform win_size window.

Each window filter is a sparse linear map along one axis (``mathdl.vision.filters``), so SSIM is a
composition of differentiable ops and its gradient is exact.
"""

import numpy as np

from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.reduction import mean
from mathdl.ops.shape import concatenate, getitem, reshape, transpose
from mathdl.vision.filters import gaussian_window, separable_filter

_INTEGER_RANGES = {
    np.dtype(t): (np.iinfo(t).min, np.iinfo(t).max) for t in (np.uint8, np.int8, np.uint16, np.int16)
}


def _data_range(image, data_range, op):
    if data_range is not None:
        if not np.isfinite(data_range) or data_range <= 0:
            raise ValueError(f"{op}: data_range must be a positive number, got {data_range!r}")
        return float(data_range)
    dtype = np.asarray(image.array if isinstance(image, Tensor) else image).dtype
    if dtype == np.bool_:
        return 1.0
    if dtype not in _INTEGER_RANGES:
        raise ValueError(
            f"{op}: give data_range (the maximum minus the minimum possible pixel value, e.g. 1.0 for "
            f"images in [0, 1] or 255 for 8-bit ones); it cannot be inferred from dtype {dtype}"
        )
    low, high = _INTEGER_RANGES[dtype]
    return float(high if low == 0 else high - low)


def _as_float_tensors(a, b, op):
    """Both images as float Tensors, same shape: arrays become float64 (as scikit-image computes)
    unless the other image is a floating Tensor, whose dtype they then take."""
    given = [image for image in (a, b) if isinstance(image, Tensor) and image.dtype.kind == "f"]
    differentiable = isinstance(a, Tensor) or isinstance(b, Tensor)
    dtype = given[0].dtype if given else np.float64
    tensors = []
    for image in (a, b):
        t = image if isinstance(image, Tensor) else Tensor(np.asarray(image, dtype=dtype))
        tensors.append(t if t.dtype.kind == "f" else t.astype(dtype))
    if tensors[0].shape != tensors[1].shape:
        raise ValueError(
            f"{op}: the images must have the same shape, got {tensors[0].shape} and {tensors[1].shape}"
        )
    return tensors[0], tensors[1], differentiable


def _result(value, differentiable):
    return value if differentiable else float(value.array)


# ----- PSNR ---------------------------------------------------------------------------------------


def mean_squared_error(a, b):
    """MSE = mean((a − b)²) over all entries; a float for arrays, a differentiable Tensor for Tensors."""
    x, y, differentiable = _as_float_tensors(a, b, "mean_squared_error")
    return _result(mean((x - y) ** 2), differentiable)


def psnr(a, b, data_range=None):
    """Peak signal-to-noise ratio 10·log₁₀(R² / MSE) in dB, scikit-image's ``peak_signal_noise_ratio``.

    Args:
        a, b: images of the same shape (the reference and the estimate; PSNR is symmetric).
        data_range: R, the range of possible pixel values (1.0 for [0, 1], 255 for uint8). Required
            for floating images; integer images default to their dtype's range.

    Arrays give a float; Tensors give a differentiable 0-d Tensor. Identical images give +inf.

    >>> import numpy as np
    >>> round(psnr(np.zeros((4, 4)), np.full((4, 4), 0.1), data_range=1.0), 6)
    20.0
    """
    x, y, differentiable = _as_float_tensors(a, b, "psnr")
    data_range = _data_range(a, data_range, "psnr")
    error = mean((x - y) ** 2)
    if not differentiable:
        mse = float(error.array)
        return float("inf") if mse == 0 else float(10 * np.log10(data_range**2 / mse))
    return (np.log(data_range**2) - error.log()) * (10 / np.log(10.0))


def batch_psnr(x, y, data_range):
    """PSNR of each image of a batch (N, …) → (N,) Tensor (differentiable), e.g. for NCHW outputs."""
    x, y, _ = _as_float_tensors(x, y, "batch_psnr")
    data_range = _data_range(x, data_range, "batch_psnr")
    error = mean(reshape((x - y) ** 2, (x.shape[0], -1)), axis=1)
    return (np.log(data_range**2) - error.log()) * (10 / np.log(10.0))


# ----- SSIM ---------------------------------------------------------------------------------------


def _ssim_window(win_size, gaussian_weights, sigma):
    if gaussian_weights:
        window = gaussian_window(sigma, truncate=3.5)
        win_size = len(window) if win_size is None else win_size
    else:
        win_size = 7 if win_size is None else win_size
        window = np.full(win_size, 1.0 / win_size)
    if win_size % 2 != 1 or win_size < 1:
        raise ValueError(f"ssim: win_size must be odd and positive, got {win_size}")
    return window, win_size


def ssim_map(
    x,
    y,
    data_range,
    win_size=None,
    gaussian_weights=True,
    sigma=1.5,
    K1=0.01,
    K2=0.03,
    use_sample_covariance=False,
):
    """The SSIM map of (…, H, W) Tensors over the last two axes → (…, H − 2c, W − 2c), c = (win_size − 1)/2.

    The formula is in the module docstring; everything is a differentiable Tensor op.
    """
    if sigma <= 0 or K1 < 0 or K2 < 0:
        raise ValueError(f"ssim: sigma must be positive and K1, K2 non-negative, got {sigma}, {K1}, {K2}")
    window, win_size = _ssim_window(win_size, gaussian_weights, sigma)
    if min(x.shape[-2:]) < win_size:
        raise ValueError(
            f"ssim: the images ({x.shape[-2]} × {x.shape[-1]}) are smaller than the {win_size} × {win_size} "
            f"window; pass a smaller odd win_size, or channel_axis if the images have colour channels"
        )
    crop = (win_size - 1) // 2
    window = window.astype(x.dtype)
    moments = separable_filter(concatenate([x, y, x * x, y * y, x * y], axis=0), window, crop)
    n = x.shape[0]
    mu_x, mu_y, xx, yy, xy = (getitem(moments, slice(k * n, (k + 1) * n)) for k in range(5))
    norm = win_size**2 / (win_size**2 - 1) if use_sample_covariance else 1.0
    var_x, var_y = (xx - mu_x * mu_x) * norm, (yy - mu_y * mu_y) * norm
    cov_xy = (xy - mu_x * mu_y) * norm
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    numerator = (mu_x * mu_y * 2.0 + c1) * (cov_xy * 2.0 + c2)
    return numerator / ((mu_x * mu_x + mu_y * mu_y + c1) * (var_x + var_y + c2))


def _channels_first(t, channel_axis, op):
    """An image as (1, C, H, W): (H, W) gets C = 1, a 3-D image moves ``channel_axis`` to the front."""
    if channel_axis is None:
        if t.ndim != 2:
            raise ValueError(f"{op}: expected a 2-D image (H, W), or pass channel_axis for shape {t.shape}")
        return reshape(t, (1, 1) + t.shape)
    if t.ndim != 3:
        raise ValueError(f"{op}: with channel_axis the image must be 3-D, got shape {t.shape}")
    axis = channel_axis % 3
    order = (axis,) + tuple(a for a in range(3) if a != axis)
    return reshape(transpose(t, order), (1,) + tuple(t.shape[a] for a in order))


def ssim(
    a,
    b,
    data_range=None,
    *,
    channel_axis=None,
    win_size=None,
    gaussian_weights=True,
    sigma=1.5,
    K1=0.01,
    K2=0.03,
    use_sample_covariance=False,
):
    """Mean structural similarity of two images, scikit-image's ``structural_similarity``.

    The defaults are Wang et al.'s (Gaussian window σ = 1.5, population moments), i.e. scikit-image
    with ``gaussian_weights=True, sigma=1.5, use_sample_covariance=False``; passing
    ``gaussian_weights=False, use_sample_covariance=True`` gives scikit-image's own defaults.

    Args:
        a, b: images (H, W), or (H, W, C) / (C, H, W) with ``channel_axis`` naming the channels
            (the score is then the mean over channels).
        data_range: R, the range of possible pixel values; required for floating images.
        win_size, gaussian_weights, sigma, K1, K2, use_sample_covariance: as scikit-image.

    Arrays give a float; Tensors give a differentiable 0-d Tensor (so 1 − SSIM is a loss).

    >>> import numpy as np
    >>> image = np.random.default_rng(0).random((16, 16))
    >>> ssim(image, image, data_range=1.0)
    1.0
    """
    x, y, differentiable = _as_float_tensors(a, b, "ssim")
    data_range = _data_range(a, data_range, "ssim")
    x, y = _channels_first(x, channel_axis, "ssim"), _channels_first(y, channel_axis, "ssim")
    options = dict(win_size=win_size, gaussian_weights=gaussian_weights, sigma=sigma, K1=K1, K2=K2)
    value = mean(ssim_map(x, y, data_range, use_sample_covariance=use_sample_covariance, **options))
    return _result(value, differentiable)


def batch_ssim(x, y, data_range=1.0, win_size=None, sigma=1.5):
    """SSIM of each image of a batch (N, C, H, W) → (N,) Tensor: the mean of its map over channels
    and the cropped pixels (Wang et al.'s Gaussian window; differentiable)."""
    x, y, _ = _as_float_tensors(x, y, "batch_ssim")
    if x.ndim != 4:
        raise ValueError(f"batch_ssim: expected images (N, C, H, W), got shape {x.shape}")
    data_range = _data_range(x, data_range, "batch_ssim")
    values = ssim_map(x, y, data_range, win_size=win_size, sigma=sigma)
    return mean(reshape(values, (x.shape[0], -1)), axis=1)


def ssim_loss(input, target, data_range=1.0, reduction="mean", win_size=None, sigma=1.5):
    """1 − SSIM per image of (N, C, H, W) batches, reduced by ``mean`` (default), ``sum`` or ``none``.

    >>> import mathdl as md
    >>> x = md.rand(2, 1, 12, 12)
    >>> float(ssim_loss(x, x).array)
    0.0
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"ssim_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    losses = 1.0 - batch_ssim(as_tensor(input), as_tensor(target), data_range, win_size, sigma)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()
