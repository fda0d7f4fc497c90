"""A one-stage, anchor-free detector in the YOLO family (YOLOX / FCOS style) and its loss.

    x (N, 1, H, W) → backbone (conv 3×3 → BN → SiLU blocks, three of them with stride 2)
                   → neck (N, 4w, H/8, W/8) → 1×1 head → (N, 5 + C, H/8, W/8)

One grid of stride s = 8: cell (i, j) has its centre at (c_x, c_y) = ((j + ½) s, (i + ½) s) in image
pixels and predicts, in its 5 + C channels,

    objectness logit o,   box (t_x, t_y, t_w, t_h),   class logits z₁ … z_C,
    box in cxcywh:  (c_x + s t_x,  c_y + s t_y,  s e^{t_w},  s e^{t_h})        (t_w, t_h clipped to ±6)

Anchor-free: a box is a centre offset from the cell and a log-size in strides, not a correction of a
prior box. Fashion items have every aspect ratio between a sandal and a dress and sides 7-30 px, so a
set of anchor shapes would have to be tuned to the data; the centre prior (below) needs only the stride.
The offset is unbounded (as YOLOX), so any cell can describe any box, even a box smaller than a cell
whose centre lies off the cell's centre.

Fully convolutional: any H, W that are multiples of 8 (the stride), e.g. 64 × 64 still scenes and
96 × 96 moving ones; other sides raise ValueError naming the stride.

Target assignment (``assign_targets``, centre sampling as FCOS / YOLOX's centre prior), for every ground
truth box g with centre (g_x, g_y): a cell is a candidate for g when its centre lies inside g and within
r·s of g's centre in both axes (r = ``center_radius`` = 1.5), and the cell containing g's centre is always
one (so a box smaller than a cell still gets a cell). A cell claimed by several boxes takes the one of
least area (FCOS's rule). All of it is one (B, G, cells) array operation over the padded batch.

Loss (``detection_loss``), with P the positive cells, each matched to its ground truth (b̂ₚ predicted,
bₚ true box, cₚ its class), and N_pos = max(|P|, 1):

    L = λ_box Σ_{p∈P} (1 − GIoU(b̂ₚ, bₚ)) / N_pos                   (or CIoU / DIoU: ``box_loss``)
      + Σ_{all cells k} BCE(o_k, q_k) / N_pos,     q_k = IoU(b̂_k, b_k) (stop-gradient) on P, 0 elsewhere
      + Σ_{p∈P} CE(z_p, c_p) / N_pos

The IoU-aware objectness target (YOLOv5's ``gr = 1``) makes σ(o) estimate how well the box fits, so
the score σ(o) · softmax(z)_c ranks well-placed boxes first, which is what AP at IoU 0.75-0.95 rewards;
``objectness_target="one"`` uses q = 1 on P instead. Normalising every term by N_pos (as YOLOX)
keeps the scale independent of how many objects a batch holds. λ_box = 5 (YOLOX).
"""

import numpy as np

from mathdl import nn
from mathdl.autograd.grad_mode import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.models.registry import register
from mathdl.nn import functional as F
from mathdl.nn.layers.conv import Conv2d
from mathdl.ops.shape import concatenate
from mathdl.vision.ops import (
    box_convert,
    complete_box_iou_loss,
    distance_box_iou_loss,
    generalized_box_iou_loss,
)

BOX_LOSSES = {
    "giou": generalized_box_iou_loss,
    "diou": distance_box_iou_loss,
    "ciou": complete_box_iou_loss,
}
LOG_SIZE_LIMIT = 6.0  # t_w, t_h clipped to ±6: sides between s·e⁻⁶ and s·e⁶ (0.02-3200 px at s = 8)
OBJECTNESS_PRIOR = 0.01  # σ(o) at initialisation (the focal-loss prior): most cells hold no object


def conv_bn_silu(in_channels, out_channels, stride=1):
    """conv 3×3 (pad 1, stride 1 or 2, no bias) → BatchNorm2d → SiLU: (N, C, H, W) → (N, C', H/s, W/s)."""
    return nn.Sequential(
        Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.SiLU(),
    )


@register("detector")
class YoloDetector(nn.Module):
    """The anchor-free one-stage detector of the module docstring.

    Args:
        num_classes: C (10 for Fashion-MNIST items).
        width: w; the backbone's channels are w/2, w, 2w, 4w at strides 1, 2, 4, 8.
        in_channels: 1 for grey images.

    Shape: input (N, 1, H, W) (or (N, H, W)) with H, W multiples of ``stride`` (8); output
    (N, 5 + C, H/8, W/8): channel 0 objectness logit, 1-4 (t_x, t_y, t_w, t_h), 5… class logits.
    ``loss(output, targets)`` is ``detection_loss`` with this model's stride; ``decode(output)`` gives
    the boxes of every cell; ``mathdl.vision.detect`` adds the scores and NMS.

    >>> import mathdl as md
    >>> model = YoloDetector(width=8)
    >>> model(md.zeros(2, 1, 64, 96)).shape
    (2, 15, 8, 12)
    """

    stride = 8

    def __init__(self, num_classes=10, width=32, in_channels=1):
        super().__init__()
        for name, value in (("num_classes", num_classes), ("width", width), ("in_channels", in_channels)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"YoloDetector: {name} must be a positive int, got {value!r}")
        if width % 2:
            raise ValueError(f"YoloDetector: width must be even (the stem has width/2 channels), got {width}")
        self.num_classes, self.in_channels, self.width = int(num_classes), int(in_channels), int(width)
        half, w = width // 2, width
        self.backbone = nn.Sequential(
            conv_bn_silu(in_channels, half),
            conv_bn_silu(half, w, stride=2),
            conv_bn_silu(w, w),
            conv_bn_silu(w, 2 * w, stride=2),
            conv_bn_silu(2 * w, 2 * w),
            conv_bn_silu(2 * w, 4 * w, stride=2),
            conv_bn_silu(4 * w, 4 * w),
        )
        self.neck = nn.Sequential(conv_bn_silu(4 * w, 4 * w), conv_bn_silu(4 * w, 4 * w))
        self.head = Conv2d(4 * w, 5 + self.num_classes, 1)
        with no_grad():
            self.head.bias.array[0] = np.log(OBJECTNESS_PRIOR / (1 - OBJECTNESS_PRIOR))

    @property
    def feature_channels(self):
        """Channels of ``features(x)`` (4w)."""
        return 4 * self.width

    def check_input(self, x):
        """``x`` as a (N, C, H, W) Tensor; ValueError unless H and W are multiples of the stride."""
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))
        if x.ndim == 3 and self.in_channels == 1:
            x = x.reshape(x.shape[0], 1, *x.shape[1:])
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"YoloDetector: expected images (N, {self.in_channels}, H, W), got shape {tuple(x.shape)}"
            )
        height, width = x.shape[2:]
        if height % self.stride or width % self.stride or height == 0 or width == 0:
            raise ValueError(
                f"YoloDetector: image sides must be positive multiples of the stride {self.stride}, "
                f"got {height} x {width} (pad or crop to e.g. "
                f"{-(-height // self.stride) * self.stride} x {-(-width // self.stride) * self.stride})"
            )
        return x

    def features(self, x):
        """The neck's feature map (N, 4w, H/8, W/8): what the head reads, and what the tracker's
        appearance embedding pools inside each box."""
        return self.neck(self.backbone(self.check_input(x)))

    def forward(self, x):
        return self.head(self.features(x))

    def decode(self, output):
        """Boxes of every cell from the head's output (N, 5 + C, h, w): (boxes (N, hw, 4) xyxy in
        image pixels, objectness logits (N, hw), class logits (N, hw, C)); cells in row-major order."""
        return decode_output(output, self.stride)

    def loss(self, output, targets, **options):
        """``detection_loss(output, targets, stride=8, **options)``."""
        return detection_loss(output, targets, stride=self.stride, **options)


def cell_centres(height, width, stride):
    """(hw, 2) centres (c_x, c_y) of the cells of an h × w grid, row-major, in image pixels."""
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    return np.stack([(cols.ravel() + 0.5) * stride, (rows.ravel() + 0.5) * stride], axis=1)


def decode_boxes(box_params, centres, stride):
    """xyxy boxes (K, 4) from (t_x, t_y, t_w, t_h) (K, 4) Tensor and cell centres (K, 2):
    cx = c_x + s t_x, cy = c_y + s t_y, w = s e^{t_w}, h = s e^{t_h} (t_w, t_h clipped to ±6)."""
    centres = Tensor(np.asarray(centres, dtype=box_params.dtype))
    centre = centres + box_params[:, 0:2] * stride
    size = box_params[:, 2:4].clip(-LOG_SIZE_LIMIT, LOG_SIZE_LIMIT).exp() * stride
    return box_convert(concatenate([centre, size], axis=1), "cxcywh", "xyxy")


def flatten_output(output):
    """(N, 5 + C, h, w) → (N·h·w, 5 + C): one row per cell, images first, cells row-major."""
    batch, channels, height, width = output.shape
    return output.permute(0, 2, 3, 1).reshape(batch * height * width, channels)


def decode_output(output, stride):
    """(boxes (N, hw, 4) xyxy, objectness logits (N, hw), class logits (N, hw, C)) of every cell."""
    batch, channels, height, width = output.shape
    rows = flatten_output(output)
    centres = np.tile(cell_centres(height, width, stride), (batch, 1))
    boxes = decode_boxes(rows[:, 1:5], centres, stride).reshape(batch, height * width, 4)
    return (
        boxes,
        rows[:, 0].reshape(batch, height * width),
        rows[:, 5:].reshape(batch, height * width, channels - 5),
    )


# ----- target assignment ---------------------------------------------------------------------------


def pad_targets(targets, where="detection_loss"):
    """A list of B dicts ``boxes`` (k_b, 4) xyxy and ``labels`` (k_b,) → padded arrays boxes (B, G, 4),
    labels (B, G), valid (B, G) with G = max k_b (at least 1)."""
    if not isinstance(targets, (list, tuple)) or not all(isinstance(t, dict) for t in targets):
        raise TypeError(f"{where}: targets must be a list of dicts with 'boxes' and 'labels'")
    counts = []
    for index, target in enumerate(targets):
        if "boxes" not in target or "labels" not in target:
            raise ValueError(f"{where}: target {index} lacks 'boxes' or 'labels' (has {sorted(target)})")
        counts.append(len(np.asarray(target["labels"])))
    size = max(counts + [1])
    boxes = np.zeros((len(targets), size, 4))
    labels = np.zeros((len(targets), size), dtype=np.int64)
    valid = np.arange(size)[None, :] < np.array(counts, dtype=np.int64)[:, None]
    for index, (target, count) in enumerate(zip(targets, counts)):
        box_array = np.asarray(getattr(target["boxes"], "array", target["boxes"]), dtype=np.float64)
        if box_array.reshape(-1, 4).shape[0] != count:
            raise ValueError(
                f"{where}: target {index} has {box_array.reshape(-1, 4).shape[0]} boxes but {count} labels"
            )
        boxes[index, :count] = box_array.reshape(-1, 4)
        labels[index, :count] = np.asarray(target["labels"])
    return boxes, labels, valid


def assign_targets(boxes, valid, height, width, stride, center_radius=1.5):
    """Centre sampling for a padded batch: boxes (B, G, 4) xyxy, valid (B, G), an h × w grid.

    A cell is a candidate for box g when its centre lies inside g and within r·s of g's centre in x
    and y (r = ``center_radius``), or when it is the cell holding g's centre; a cell claimed by
    several boxes takes the smallest. Returns (matched (B, hw) int index into G, positive (B, hw) bool).
    """
    centres = cell_centres(height, width, stride)  # (hw, 2)
    cx, cy = centres[None, None, :, 0], centres[None, None, :, 1]
    x1, y1, x2, y2 = (boxes[..., k, None] for k in range(4))  # (B, G, 1)
    gx, gy = (x1 + x2) / 2, (y1 + y2) / 2
    inside = (cx > x1) & (cx < x2) & (cy > y1) & (cy < y2)
    near = (np.abs(cx - gx) < center_radius * stride) & (np.abs(cy - gy) < center_radius * stride)
    home = np.clip(np.floor(gy / stride), 0, height - 1) * width + np.clip(
        np.floor(gx / stride), 0, width - 1
    )
    is_home = np.arange(height * width)[None, None, :] == home
    candidate = ((inside & near) | is_home) & valid[..., None]
    area = (x2 - x1) * (y2 - y1)
    cost = np.where(candidate, area, np.inf)  # (B, G, hw)
    matched = np.argmin(cost, axis=1)
    positive = np.isfinite(np.min(cost, axis=1))
    return matched, positive


# ----- the loss ------------------------------------------------------------------------------------


def _check_options(box_loss, objectness_target, output):
    if box_loss not in BOX_LOSSES:
        raise ValueError(f"detection_loss: box_loss must be one of {sorted(BOX_LOSSES)}, got {box_loss!r}")
    if objectness_target not in ("iou", "one"):
        raise ValueError(
            f"detection_loss: objectness_target must be 'iou' or 'one', got {objectness_target!r}"
        )
    if not isinstance(output, Tensor) or output.ndim != 4 or output.shape[1] < 6:
        raise ValueError(
            f"detection_loss: output must be the head's (N, 5 + C, h, w) Tensor, got "
            f"{getattr(output, 'shape', type(output).__name__)}"
        )


def positive_cells(output, targets, stride, center_radius):
    """The assignment of a batch as flat arrays: positive cells (P,) as indices into the N·hw rows of
    ``flatten_output(output)``, their true boxes (P, 4) Tensor and labels (P,)."""
    batch, channels, height, width = output.shape
    if len(targets) != batch:
        raise ValueError(f"detection_loss: {batch} images but {len(targets)} targets")
    boxes, labels, valid = pad_targets(targets)
    num_classes = channels - 5
    if valid.any() and (labels[valid].min() < 0 or labels[valid].max() >= num_classes):
        raise ValueError(f"detection_loss: labels must be in [0, {num_classes}), got {labels[valid]}")
    matched, positive = assign_targets(boxes, valid, height, width, stride, center_radius)
    cells = np.flatnonzero(positive)
    image_of, which = cells // (height * width), matched.ravel()[cells]
    return cells, Tensor(boxes[image_of, which].astype(output.dtype)), labels[image_of, which]


def detection_loss(
    output,
    targets,
    stride=8,
    box_loss="giou",
    box_weight=5.0,
    objectness_target="iou",
    center_radius=1.5,
    return_parts=False,
):
    """The detector's loss (module docstring): λ_box · IoU-family box loss + objectness BCE + class CE,
    each summed and divided by the number of positive cells.

    Args:
        output: the head's (N, 5 + C, h, w) Tensor.
        targets: N dicts ``boxes`` (k, 4) xyxy in image pixels, ``labels`` (k,) in [0, C).
        box_loss: ``"giou"`` (default), ``"diou"`` or ``"ciou"``.
        objectness_target: ``"iou"`` (q = IoU of the predicted and true box, no gradient) or ``"one"``.
        return_parts: also return ``{"box", "objectness", "class", "positives"}`` (floats).

    Returns a scalar Tensor (and the parts). Vectorised over the batch: the assignment is one array
    operation, the losses one call each over all positive cells.
    """
    _check_options(box_loss, objectness_target, output)
    batch, _, height, width = output.shape
    cells, true_boxes, true_labels = positive_cells(output, targets, stride, center_radius)
    rows = flatten_output(output)
    centres = cell_centres(height, width, stride)[cells % (height * width)]
    predicted = decode_boxes(rows[cells, 1:5], centres, stride)
    count = max(len(cells), 1)
    box_term = BOX_LOSSES[box_loss](predicted, true_boxes, reduction="sum") / count
    quality = np.ones(len(cells), dtype=output.dtype)
    if objectness_target == "iou" and len(cells):
        quality = np.clip(_matched_iou(predicted.array, true_boxes.array), 0, 1).astype(output.dtype)
    objectness = np.zeros(batch * height * width, dtype=output.dtype)
    objectness[cells] = quality
    object_term = F.binary_cross_entropy_with_logits(rows[:, 0], Tensor(objectness), reduction="sum") / count
    class_term = (
        F.cross_entropy(rows[cells, 5:], true_labels, reduction="sum") / count
        if len(cells)
        else rows[:0, 5:].sum()
    )
    total = box_term * box_weight + object_term + class_term
    if not return_parts:
        return total
    parts = {
        "box": float(box_term.array),
        "objectness": float(object_term.array),
        "class": float(class_term.array),
        "positives": len(cells),
    }
    return total, parts


def _matched_iou(boxes1, boxes2):
    """IoU of matched rows (K, 4) × (K, 4) → (K,), NumPy."""
    width = np.clip(np.minimum(boxes1[:, 2], boxes2[:, 2]) - np.maximum(boxes1[:, 0], boxes2[:, 0]), 0, None)
    height = np.clip(np.minimum(boxes1[:, 3], boxes2[:, 3]) - np.maximum(boxes1[:, 1], boxes2[:, 1]), 0, None)
    inter = width * height
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    return inter / np.maximum(area1 + area2 - inter, 1e-12)
