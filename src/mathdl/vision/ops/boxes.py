"""Boxes as torchvision has them: (N, 4) rows, ``xyxy`` = (x1, y1, x2, y2) with x1 ≤ x2, y1 ≤ y2
unless a function says otherwise.

    area(b)        = (x2 − x1)(y2 − y1)
    inter(a, b)    = [min(a.x2, b.x2) − max(a.x1, b.x1)]₊ · [min(a.y2, b.y2) − max(a.y1, b.y1)]₊
    union(a, b)    = area(a) + area(b) − inter(a, b)
    IoU            = inter / union
    GIoU           = IoU − (|C| − union) / |C|          C = the smallest box enclosing a and b
    DIoU           = IoU − ρ²(centres) / (c² + ε)       c = the diagonal of C
    CIoU           = DIoU − α v,  v = (4/π²)(atan(w_a/h_a) − atan(w_b/h_b))²,  α = v / (1 − IoU + v + ε)
                                   (α is a constant: no gradient flows through it, as in the paper)

The pairwise functions return (N, M) matrices. Inputs may be arrays or Tensors; results are Tensors,
differentiable when the inputs require grad. Integer boxes and Python lists are computed in the default float dtype;
float arrays keep theirs.
Degenerate boxes follow the formulas: a zero-area box against itself gives 0/0 = NaN, as torchvision.
"""

import math

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.backend import get_default_dtype
from mathdl.ops.elementwise import clip, maximum, minimum
from mathdl.ops.shape import stack
from mathdl.ops.trigonometric import atan

BOX_FORMATS = ("xyxy", "xywh", "cxcywh")


def as_boxes(boxes, where, pairwise=True):
    """``boxes`` as a floating Tensor of shape (N, 4) (pairwise) or (..., 4); ints become the default
    float dtype. A clear error names ``where`` for anything else."""
    if not isinstance(boxes, Tensor):
        array = np.asarray(boxes)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{where}: boxes must be numeric, got dtype {array.dtype}")
        if array.dtype.kind != "f" or not isinstance(boxes, (np.ndarray, np.generic)):
            # integers and Python lists of floats take the default dtype, as md.tensor does
            array = array.astype(get_default_dtype())
        elif array.dtype not in (np.float32, np.float64):
            array = array.astype(np.float32)
        boxes = Tensor(array)
    elif boxes.dtype.kind != "f":
        boxes = Tensor(boxes.array.astype(get_default_dtype()))
    if pairwise and (boxes.ndim != 2 or boxes.shape[-1] != 4):
        raise ValueError(f"{where}: boxes must have shape (N, 4), got {tuple(boxes.shape)}")
    if not pairwise and (boxes.ndim == 0 or boxes.shape[-1] != 4):
        raise ValueError(f"{where}: boxes must have shape (..., 4), got {tuple(boxes.shape)}")
    return boxes


def _unbind(boxes):
    return boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]


def box_convert(boxes, in_fmt, out_fmt):
    """Convert (..., 4) boxes between ``'xyxy'`` (corners), ``'xywh'`` (top-left corner, width,
    height) and ``'cxcywh'`` (centre, width, height). Differentiable.

    >>> box_convert([[10.0, 20.0, 4.0, 6.0]], "cxcywh", "xyxy").numpy()
    array([[ 8., 17., 12., 23.]], dtype=float32)
    """
    if in_fmt not in BOX_FORMATS or out_fmt not in BOX_FORMATS:
        raise ValueError(
            f"box_convert: formats must be among {BOX_FORMATS}, got in_fmt={in_fmt!r}, out_fmt={out_fmt!r}"
        )
    boxes = as_boxes(boxes, "box_convert", pairwise=False)
    if in_fmt == out_fmt:
        return boxes * 1.0
    a, b, c, d = _unbind(boxes)
    if in_fmt == "xywh":
        x1, y1, x2, y2 = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        x1, y1, x2, y2 = a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d
    else:
        x1, y1, x2, y2 = a, b, c, d
    if out_fmt == "xywh":
        return stack([x1, y1, x2 - x1, y2 - y1], axis=-1)
    if out_fmt == "cxcywh":
        return stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], axis=-1)
    return stack([x1, y1, x2, y2], axis=-1)


def box_area(boxes):
    """(x2 − x1)(y2 − y1) of (N, 4) ``xyxy`` boxes: shape (N,).

    >>> box_area([[0, 0, 2, 3], [1, 1, 2, 2]]).numpy()
    array([6., 1.], dtype=float32)
    """
    boxes = as_boxes(boxes, "box_area")
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _inter_union(boxes1, boxes2):
    area1, area2 = box_area(boxes1), box_area(boxes2)
    top_left = maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    size = clip(bottom_right - top_left, 0.0, None)
    inter = size[:, :, 0] * size[:, :, 1]
    return inter, area1[:, None] + area2[None, :] - inter


def _enclosing_size(boxes1, boxes2):
    top_left = minimum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = maximum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    return clip(bottom_right - top_left, 0.0, None)


def _pair(boxes1, boxes2, where):
    return as_boxes(boxes1, where), as_boxes(boxes2, where)


def box_iou(boxes1, boxes2):
    """Pairwise IoU = inter / union of (N, 4) and (M, 4) ``xyxy`` boxes: (N, M).

    >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2]]).numpy()
    array([[0.14285715, 1.        ]], dtype=float32)
    """
    inter, union = _inter_union(*_pair(boxes1, boxes2, "box_iou"))
    return inter / union


def generalized_box_iou(boxes1, boxes2):
    """Pairwise GIoU = IoU − (|C| − union)/|C| (Rezatofighi et al. 2019), in [−1, 1]: (N, M).

    >>> generalized_box_iou([[0, 0, 1, 1]], [[2, 0, 3, 1]]).numpy()
    array([[-0.33333334]], dtype=float32)
    """
    boxes1, boxes2 = _pair(boxes1, boxes2, "generalized_box_iou")
    inter, union = _inter_union(boxes1, boxes2)
    enclosing = _enclosing_size(boxes1, boxes2)
    area_c = enclosing[:, :, 0] * enclosing[:, :, 1]
    return inter / union - (area_c - union) / area_c


def _diou_iou(boxes1, boxes2, eps):
    inter, union = _inter_union(boxes1, boxes2)
    iou = inter / union
    enclosing = _enclosing_size(boxes1, boxes2)
    diagonal_squared = enclosing[:, :, 0] ** 2 + enclosing[:, :, 1] ** 2 + eps
    centre1 = (boxes1[:, :2] + boxes1[:, 2:]) / 2
    centre2 = (boxes2[:, :2] + boxes2[:, 2:]) / 2
    offset = centre1[:, None, :] - centre2[None, :, :]
    centre_distance_squared = offset[:, :, 0] ** 2 + offset[:, :, 1] ** 2
    return iou - centre_distance_squared / diagonal_squared, iou


def distance_box_iou(boxes1, boxes2, eps=1e-7):
    """Pairwise DIoU = IoU − ρ²/(c² + ε) (Zheng et al. 2020): ρ the distance between the centres,
    c the diagonal of the smallest enclosing box. (N, M).

    >>> distance_box_iou([[0.0, 0, 2, 2]], [[1.0, 0, 3, 2]]).numpy().round(4)
    array([[0.2564]], dtype=float32)
    """
    boxes1, boxes2 = _pair(boxes1, boxes2, "distance_box_iou")
    return _diou_iou(boxes1, boxes2, eps)[0]


def complete_box_iou(boxes1, boxes2, eps=1e-7):
    """Pairwise CIoU = DIoU − α v with v = (4/π²)(atan(w₁/h₁) − atan(w₂/h₂))² and the constant
    α = v / (1 − IoU + v + ε) (no gradient through α). (N, M).

    >>> complete_box_iou([[0.0, 0, 2, 2]], [[0.0, 0, 4, 2]]).numpy().round(4)
    array([[0.4468]], dtype=float32)
    """
    boxes1, boxes2 = _pair(boxes1, boxes2, "complete_box_iou")
    diou, iou = _diou_iou(boxes1, boxes2, eps)
    ratio1 = (boxes1[:, 2] - boxes1[:, 0]) / (boxes1[:, 3] - boxes1[:, 1])
    ratio2 = (boxes2[:, 2] - boxes2[:, 0]) / (boxes2[:, 3] - boxes2[:, 1])
    v = (4 / math.pi**2) * (atan(ratio1)[:, None] - atan(ratio2)[None, :]) ** 2
    alpha = Tensor(v.array / (1 - iou.array + v.array + eps))
    return diou - alpha * v
