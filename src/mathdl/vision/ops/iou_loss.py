"""The IoU-family regression losses of torchvision, between matched boxes (elementwise, not
pairwise): ``boxes1`` and ``boxes2`` of the same shape (N, 4) or (4,), ``xyxy``.

    L_GIoU = 1 − IoU + (|C| − U) / (|C| + ε)
    L_DIoU = 1 − IoU + ρ² / (c² + ε)
    L_CIoU = L_DIoU + α v,   v = (4/π²)(atan(w_g/h_g) − atan(w/h))²,  α = v / (1 − IoU + v + ε)

with IoU = I / (U + ε), I the intersection (0 where the boxes do not overlap), U the union, C the
smallest enclosing box, ρ the distance between the centres and c the diagonal of C. α is a constant
in the backward pass (torchvision computes it under ``no_grad``, as the CIoU paper prescribes).
The losses are compositions of differentiable Tensor ops, so their gradients (and the gradients
of those) come from autograd; atan is ``mathdl.ops.atan``.

``reduction``: ``'none'`` (shape (N,) or ()), ``'mean'`` (0 for an empty batch, still attached to
the graph, as torchvision), ``'sum'``.
"""

import math

from mathdl.autograd.tensor import Tensor
from mathdl.ops.elementwise import maximum, minimum, where
from mathdl.ops.trigonometric import atan
from mathdl.vision.ops.boxes import as_boxes

REDUCTIONS = ("none", "mean", "sum")


def _check(boxes1, boxes2, reduction, where_):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where_}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    boxes1 = as_boxes(boxes1, where_, pairwise=False)
    boxes2 = as_boxes(boxes2, where_, pairwise=False)
    if boxes1.shape != boxes2.shape:
        raise ValueError(
            f"{where_}: boxes1 and boxes2 must have the same shape, got {tuple(boxes1.shape)} "
            f"and {tuple(boxes2.shape)}"
        )
    return boxes1, boxes2


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean() if loss.array.size > 0 else 0.0 * loss.sum()
    if reduction == "sum":
        return loss.sum()
    return loss


def _inter_union(boxes1, boxes2):
    x1, y1, x2, y2 = (boxes1[..., k] for k in range(4))
    x1g, y1g, x2g, y2g = (boxes2[..., k] for k in range(4))
    width = minimum(x2, x2g) - maximum(x1, x1g)
    height = minimum(y2, y2g) - maximum(y1, y1g)
    overlaps = (width.array > 0) & (height.array > 0)
    # As torchvision: the intersection is 0 (and passes no gradient) where the boxes are apart.
    inter = where(overlaps, width * height, 0.0)
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    return inter, union


def _enclosing(boxes1, boxes2):
    width = maximum(boxes1[..., 2], boxes2[..., 2]) - minimum(boxes1[..., 0], boxes2[..., 0])
    height = maximum(boxes1[..., 3], boxes2[..., 3]) - minimum(boxes1[..., 1], boxes2[..., 1])
    return width, height


def _diou_loss_and_iou(boxes1, boxes2, eps):
    inter, union = _inter_union(boxes1, boxes2)
    iou = inter / (union + eps)
    width, height = _enclosing(boxes1, boxes2)
    diagonal_squared = width**2 + height**2 + eps
    dx = (boxes1[..., 0] + boxes1[..., 2]) / 2 - (boxes2[..., 0] + boxes2[..., 2]) / 2
    dy = (boxes1[..., 1] + boxes1[..., 3]) / 2 - (boxes2[..., 1] + boxes2[..., 3]) / 2
    return 1 - iou + (dx**2 + dy**2) / diagonal_squared, iou


def generalized_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """1 − GIoU between matched boxes: 1 − I/(U + ε) + (|C| − U)/(|C| + ε). Shapes (N, 4) or (4,).

    ∂/∂boxes by autograd through the formula (the enclosing box C moves with the outermost edges).

    >>> generalized_box_iou_loss([[0.0, 0, 1, 1]], [[2.0, 0, 3, 1]]).numpy().round(4)
    array([1.3333], dtype=float32)
    """
    boxes1, boxes2 = _check(boxes1, boxes2, reduction, "generalized_box_iou_loss")
    inter, union = _inter_union(boxes1, boxes2)
    width, height = _enclosing(boxes1, boxes2)
    area_c = width * height
    loss = 1 - inter / (union + eps) + (area_c - union) / (area_c + eps)
    return _reduce(loss, reduction)


def distance_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """1 − DIoU between matched boxes: 1 − I/(U + ε) + ρ²/(c² + ε). Shapes (N, 4) or (4,).

    >>> distance_box_iou_loss([[0.0, 0, 2, 2]], [[1.0, 0, 3, 2]]).numpy().round(4)
    array([0.7436], dtype=float32)
    """
    boxes1, boxes2 = _check(boxes1, boxes2, reduction, "distance_box_iou_loss")
    return _reduce(_diou_loss_and_iou(boxes1, boxes2, eps)[0], reduction)


def complete_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """1 − CIoU between matched boxes: the DIoU loss + α v, α held constant. Shapes (N, 4) or (4,).

    >>> complete_box_iou_loss([[0.0, 0, 2, 2]], [[0.0, 0, 4, 2]]).numpy().round(4)
    array([0.5532], dtype=float32)
    """
    boxes1, boxes2 = _check(boxes1, boxes2, reduction, "complete_box_iou_loss")
    diou_loss, iou = _diou_loss_and_iou(boxes1, boxes2, eps)
    ratio1 = (boxes1[..., 2] - boxes1[..., 0]) / (boxes1[..., 3] - boxes1[..., 1])
    ratio2 = (boxes2[..., 2] - boxes2[..., 0]) / (boxes2[..., 3] - boxes2[..., 1])
    v = (4 / math.pi**2) * (atan(ratio2) - atan(ratio1)) ** 2
    alpha = Tensor(v.array / (1 - iou.array + v.array + eps))
    return _reduce(diou_loss + alpha * v, reduction)
