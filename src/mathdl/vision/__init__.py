"""``mathdl.vision``: image metrics (PSNR, SSIM), window filters, classical denoisers and the
super-resolution protocol."""

from mathdl.vision import denoise, filters, metrics, superresolution

__all__ = ["denoise", "filters", "metrics", "superresolution"]
