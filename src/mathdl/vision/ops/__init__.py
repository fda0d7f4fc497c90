"""Box operations with torchvision.ops' names and semantics: conversions, the IoU family, the IoU
losses, and non-maximum suppression.

    from mathdl.vision import ops
    ops.box_iou(boxes1, boxes2)                  # (N, M)
    ops.complete_box_iou_loss(pred, target, reduction="mean").backward()
    keep = ops.nms(boxes, scores, iou_threshold=0.5)
"""

from mathdl.vision.ops.boxes import (
    BOX_FORMATS,
    box_area,
    box_convert,
    box_iou,
    complete_box_iou,
    distance_box_iou,
    generalized_box_iou,
)
from mathdl.vision.ops.iou_loss import complete_box_iou_loss, distance_box_iou_loss, generalized_box_iou_loss
from mathdl.vision.ops.nms import batched_nms, nms, pairwise_iou_array

__all__ = [
    "BOX_FORMATS",
    "batched_nms",
    "box_area",
    "box_convert",
    "box_iou",
    "complete_box_iou",
    "complete_box_iou_loss",
    "distance_box_iou",
    "distance_box_iou_loss",
    "generalized_box_iou",
    "generalized_box_iou_loss",
    "nms",
    "pairwise_iou_array",
]
