"""Metrics for vision: COCO detection mAP (``mean_average_precision``) and multi-object tracking
(``tracking_metrics``: CLEAR-MOT's MOTA/MOTP and the identity scores IDF1/IDP/IDR)."""

from mathdl.vision.metrics.detection import mean_average_precision
from mathdl.vision.metrics.tracking import tracking_metrics

__all__ = ["mean_average_precision", "tracking_metrics"]
