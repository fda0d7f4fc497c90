"""Non-maximum suppression, as torchvision: visit boxes by decreasing score; keep a box unless a box
already kept overlaps it with IoU > ``iou_threshold`` (strictly greater); return the kept indices by
decreasing score (int64). Ties in score keep the lower index first (a stable sort).

Each kept box's IoU with all the boxes after it is one vectorised row, so the Python loop runs over
kept boxes, not over pairs, and memory stays O(N). A degenerate box
(zero area) has IoU 0/0 = NaN with itself or another degenerate box, and NaN > t is false, so it
suppresses nothing and is never suppressed by one (as torchvision's kernel).
"""

import numpy as np

from mathdl.autograd.tensor import Tensor


def _array(value, where, name):
    array = value.array if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must be numeric, got dtype {array.dtype}")
    return array


def _check(boxes, scores, iou_threshold, where):
    boxes = _array(boxes, where, "boxes")
    scores = _array(scores, where, "scores")
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{where}: boxes must have shape (N, 4), got {boxes.shape}")
    if scores.shape != (boxes.shape[0],):
        raise ValueError(f"{where}: scores must have shape ({boxes.shape[0]},), got {scores.shape}")
    if not np.isscalar(iou_threshold) or not np.isfinite(iou_threshold):
        raise ValueError(f"{where}: iou_threshold must be a finite number, got {iou_threshold!r}")
    return boxes.astype(np.float64), scores


def pairwise_iou_array(boxes1, boxes2):
    """IoU of (..., N, 4) and (..., M, 4) float arrays as NumPy (..., N, M) (leading dimensions
    broadcast), the formula of ``box_iou`` for callers that hold arrays and need no gradient (NMS,
    matching in metrics and trackers). 0/0 (two empty boxes) gives NaN, as ``box_iou``."""
    area1 = (boxes1[..., 2] - boxes1[..., 0]) * (boxes1[..., 3] - boxes1[..., 1])
    area2 = (boxes2[..., 2] - boxes2[..., 0]) * (boxes2[..., 3] - boxes2[..., 1])
    top_left = np.maximum(boxes1[..., :, None, :2], boxes2[..., None, :, :2])
    bottom_right = np.minimum(boxes1[..., :, None, 2:], boxes2[..., None, :, 2:])
    size = np.clip(bottom_right - top_left, 0.0, None)
    inter = size[..., 0] * size[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return inter / (area1[..., :, None] + area2[..., None, :] - inter)


def _greedy(boxes, scores, iou_threshold, idxs=None):
    order = np.argsort(-scores, kind="stable")
    boxes = boxes[order]
    idxs = None if idxs is None else idxs[order]
    suppressed = np.zeros(len(order), dtype=bool)
    keep = []
    for rank in range(len(order)):
        if suppressed[rank]:
            continue
        keep.append(rank)
        overlap = pairwise_iou_array(boxes[rank : rank + 1], boxes[rank + 1 :])[0] > iou_threshold
        if idxs is not None:
            overlap &= idxs[rank + 1 :] == idxs[rank]
        suppressed[rank + 1 :] |= overlap
    return order[np.asarray(keep, dtype=np.int64)]


def nms(boxes, scores, iou_threshold):
    """Indices (K,) int64 of the boxes kept by non-maximum suppression, by decreasing score.

    Args:
        boxes: (N, 4) ``xyxy`` boxes (array or Tensor).
        scores: (N,) scores.
        iou_threshold: discard a box whose IoU with a kept, higher-scoring box is > this.

    >>> nms([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5)
    array([0, 2])
    """
    boxes, scores = _check(boxes, scores, iou_threshold, "nms")
    if boxes.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return _greedy(boxes, scores, iou_threshold)


def batched_nms(boxes, scores, idxs, iou_threshold):
    """NMS within each category: boxes with different ``idxs`` (N,) never suppress each other.
    Returns the kept indices (K,) int64 sorted by decreasing score over all categories.

    One greedy pass handles all categories: a kept box suppresses only boxes of its own category.
    (torchvision shifts each category's boxes far apart instead; the result is the same, but the
    shift rounds the coordinates, which can flip an IoU that sits at the threshold.)

    >>> batched_nms([[0, 0, 10, 10], [1, 1, 11, 11]], [0.9, 0.8], [0, 1], 0.5)
    array([0, 1])
    """
    boxes, scores = _check(boxes, scores, iou_threshold, "batched_nms")
    idxs = _array(idxs, "batched_nms", "idxs")
    if idxs.shape != (boxes.shape[0],) or (idxs.size and idxs.dtype.kind not in "iu"):
        raise ValueError(
            f"batched_nms: idxs must be integers of shape ({boxes.shape[0]},), got {idxs.dtype} {idxs.shape}"
        )
    if boxes.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return _greedy(boxes, scores, iou_threshold, idxs)
