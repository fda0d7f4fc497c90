"""``mathdl.vision``: image metrics (PSNR, SSIM) and classical image baselines (denoisers)."""

from mathdl.vision import denoise, metrics

__all__ = ["denoise", "metrics"]
