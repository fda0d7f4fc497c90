"""Metrics for vision: COCO detection mAP (``mean_average_precision``) and multi-object tracking
(CLEAR-MOT and identity scores)."""

from mathdl.vision.metrics.detection import mean_average_precision

__all__ = ["mean_average_precision"]
