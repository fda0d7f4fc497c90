"""Vision metrics with the names their users know: ``psnr`` and ``ssim`` as scikit-image, COCO
detection mAP (``mean_average_precision``, torchmetrics' keys) and multi-object tracking
(``tracking_metrics``: CLEAR-MOT's MOTA/MOTP and the identity scores IDF1/IDP/IDR)."""

from mathdl.vision.metrics.detection import mean_average_precision
from mathdl.vision.metrics.image import (
    batch_psnr,
    batch_ssim,
    mean_squared_error,
    psnr,
    ssim,
    ssim_loss,
    ssim_map,
)
from mathdl.vision.metrics.tracking import tracking_metrics

__all__ = [
    "batch_psnr",
    "batch_ssim",
    "mean_average_precision",
    "mean_squared_error",
    "psnr",
    "ssim",
    "ssim_loss",
    "ssim_map",
    "tracking_metrics",
]
