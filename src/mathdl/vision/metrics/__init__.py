"""Vision metrics with the names their users know: ``psnr`` and ``ssim`` as scikit-image."""

from mathdl.vision.metrics.image import (
    batch_psnr,
    batch_ssim,
    mean_squared_error,
    psnr,
    ssim,
    ssim_loss,
    ssim_map,
)

__all__ = ["batch_psnr", "batch_ssim", "mean_squared_error", "psnr", "ssim", "ssim_loss", "ssim_map"]
