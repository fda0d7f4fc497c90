"""The super-resolution protocol of the papers (SRCNN, Dong et al. 2014; ESPCN, Shi et al. 2016):
how a low-resolution input is made from a photograph, and how an upscaled estimate is scored.

1. Work on luminance Y (MATLAB's ``rgb2ycbcr``; ``mathdl.data.rgb_to_luminance``) in [0, 1].
2. ``modcrop``: cut the high-resolution image H to a multiple of the scale s.
3. ``bicubic_downscale``: L = H shrunk by s with the antialiased bicubic kernel (Keys, a = −0.5,
   stretched by s and renormalised: ``interpolate(..., mode="bicubic", antialias=True)``). Inside the
   image this is MATLAB's ``imresize(H, 1/s, "bicubic")`` that produced the papers' inputs; at the
   border MATLAB mirrors the image where PIL and PyTorch renormalise the truncated kernel.
4. An upscaler maps L back to H's size; the baseline is ``bicubic_upscale`` (PyTorch's bicubic,
   a = −0.75, or with ``antialias=True`` PIL's/MATLAB's a = −0.5).
5. ``sr_scores``: clip the estimate to [0, 1], drop s pixels at each border (the papers' "shave",
   where upscalers lack context) and report PSNR and SSIM (Wang et al.'s window) on what is left.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.ops.resampling import interpolate
from mathdl.ops.shape import reshape
from mathdl.vision.metrics.image import psnr, ssim


def _check_scale(scale, op):
    if not isinstance(scale, (int, np.integer)) or isinstance(scale, bool) or scale < 1:
        raise ValueError(f"{op}: scale must be a positive int, got {scale!r}")
    return int(scale)


def modcrop(image, scale):
    """``image`` (…, H, W) cut to (…, H − H mod s, W − W mod s) from the top-left, as the papers' modcrop."""
    s = _check_scale(scale, "modcrop")
    height, width = image.shape[-2:]
    return image[..., : height - height % s, : width - width % s]


def shave(image, border):
    """``image`` (…, H, W) without ``border`` pixels on each side."""
    if border < 0 or 2 * border >= min(image.shape[-2:]):
        raise ValueError(f"shave: border {border} leaves nothing of an image of shape {image.shape}")
    return (
        image[..., border : image.shape[-2] - border, border : image.shape[-1] - border] if border else image
    )


def _resize(image, size, antialias):
    """Bicubic resize of the last two axes of an array or Tensor (…, H, W) to ``size``."""
    tensor = image if isinstance(image, Tensor) else Tensor(np.asarray(image))
    if tensor.ndim < 2 or tensor.dtype.kind != "f":
        raise ValueError(
            f"bicubic resize: expected a floating image (…, H, W), got {tensor.dtype} {tensor.shape}"
        )
    lead = tensor.shape[:-2]
    batch = reshape(tensor, (-1, 1) + tensor.shape[-2:])
    out = interpolate(batch, size=tuple(size), mode="bicubic", align_corners=False, antialias=antialias)
    out = reshape(out, lead + tuple(size))
    return out if isinstance(image, Tensor) else out.array


def bicubic_downscale(image, scale):
    """The low-resolution input: ``image`` (…, H, W), H and W multiples of s (see ``modcrop``), shrunk
    by s with the antialiased bicubic kernel → (…, H/s, W/s). Arrays → arrays, Tensors → Tensors."""
    s = _check_scale(scale, "bicubic_downscale")
    height, width = image.shape[-2:]
    if height % s or width % s:
        raise ValueError(
            f"bicubic_downscale: the size {height} × {width} is not a multiple of {s}; modcrop it first"
        )
    return _resize(image, (height // s, width // s), antialias=True)


def bicubic_upscale(image, scale, antialias=False):
    """``image`` (…, h, w) enlarged s times by bicubic interpolation → (…, s·h, s·w): PyTorch's
    kernel (a = −0.75) by default, PIL's / MATLAB's (a = −0.5) with ``antialias=True``."""
    s = _check_scale(scale, "bicubic_upscale")
    return _resize(image, (image.shape[-2] * s, image.shape[-1] * s), antialias=antialias)


def sr_scores(reference, estimate, scale):
    """{"psnr": dB, "ssim": …} of a (H, W) luminance estimate against the reference, both in [0, 1]:
    the estimate clipped to [0, 1] and ``scale`` border pixels shaved from both first."""
    reference, estimate = np.asarray(reference, dtype=np.float64), np.asarray(estimate, dtype=np.float64)
    if reference.shape != estimate.shape or reference.ndim != 2:
        raise ValueError(
            f"sr_scores: expected two (H, W) luminance images of one shape, got {reference.shape} and {estimate.shape}"
        )
    s = _check_scale(scale, "sr_scores")
    reference, estimate = shave(reference, s), shave(np.clip(estimate, 0.0, 1.0), s)
    return {
        "psnr": psnr(reference, estimate, data_range=1.0),
        "ssim": ssim(reference, estimate, data_range=1.0),
    }
