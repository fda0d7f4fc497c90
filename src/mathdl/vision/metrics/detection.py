"""COCO mean average precision for boxes, as pycocotools' ``COCOeval`` computes it (crowd-free), with
torchmetrics' ``MeanAveragePrecision`` keys.

For each class c, area range a, detection budget m and IoU threshold t:

1. Match (per image, per class): detections in decreasing score, the top 100; each takes the
   unmatched ground truth (GT) box of highest IoU ≥ t, preferring GT inside the area range
   ("regular") over GT outside it ("ignored"); a detection matched to ignored GT, or unmatched and
   itself outside the area range, is ignored.
2. Accumulate: pool the top m detections of every image, sort by score; with TP/FP the cumulative
   counts over the non-ignored ones and n the number of regular GT,
       recall r_k = TP_k / n,    precision p_k = TP_k / (TP_k + FP_k),
   make precision monotone (p_k ← max_{j ≥ k} p_j) and read it at the 101 recall levels
   ρ ∈ {0, 0.01, …, 1}: P(ρ) = p at the first k with r_k ≥ ρ, 0 if recall never reaches ρ.
   AP = mean over ρ of P(ρ); the recall of (c, a, m, t) is the final r.
3. ``map`` = mean of AP over t ∈ {0.50, 0.55, …, 0.95} and classes (area all, m = 100); ``map_50``,
   ``map_75`` at one t; ``map_small/medium/large`` for areas < 32², 32²..96², > 96²; ``mar_m`` the
   mean recall with m detections per image. Classes without regular GT are left out of the means
   (their entries are −1, as COCO's); a mean over nothing is −1.

The matching is vectorised over all (image, class) groups at once: the loop runs over the rank of a
detection within its group (≤ 100), never over images.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.vision.ops.boxes import BOX_FORMATS
from mathdl.vision.ops.nms import pairwise_iou_array

IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
MAX_DETECTIONS = (1, 10, 100)
AREA_RANGES = {
    "all": (0.0, 1e5**2),
    "small": (0.0, 32.0**2),
    "medium": (32.0**2, 96.0**2),
    "large": (96.0**2, 1e5**2),
}


def _array(value, where, dtype=None):
    array = value.array if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind not in "biuf" and array.size:
        raise TypeError(f"mean_average_precision: {where} must be numeric, got dtype {array.dtype}")
    return array.astype(dtype) if dtype is not None else array


def _to_xyxy(boxes, box_format):
    if box_format == "xywh":
        return np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1)
    if box_format == "cxcywh":
        return np.concatenate([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2], axis=1)
    return boxes


def _read(entries, keys, kind, box_format):
    """Concatenate a list of per-image dicts into flat arrays with an image index per row."""
    columns = {key: [] for key in keys}
    image = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise TypeError(
                f"mean_average_precision: {kind}[{index}] must be a dict, got {type(entry).__name__}"
            )
        missing = [key for key in keys if key not in entry and key != "area"]
        if missing:
            raise ValueError(f"mean_average_precision: {kind}[{index}] lacks the keys {missing}")
        boxes = _array(entry["boxes"], f"{kind}[{index}]['boxes']", np.float64).reshape(-1, 4)
        boxes = _to_xyxy(boxes, box_format)
        n = boxes.shape[0]
        columns["boxes"].append(boxes)
        for key in keys:
            if key == "boxes":
                continue
            if key == "area" and key not in entry:
                values = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
            else:
                values = _array(entry[key], f"{kind}[{index}][{key!r}]").reshape(-1)
            if values.shape != (n,):
                raise ValueError(
                    f"mean_average_precision: {kind}[{index}][{key!r}] must have {n} entries (one per box), got {values.shape[0]}"
                )
            columns[key].append(values)
        image.append(np.full(n, index))
    flat = {
        key: np.concatenate(values) if values else np.zeros((0, 4) if key == "boxes" else 0)
        for key, values in columns.items()
    }
    flat["image"] = np.concatenate(image) if image else np.zeros(0, dtype=np.int64)
    return flat


def _groups(dets, gts, num_classes):
    """Sort detections by (image, class, score ↓) and GT by (image, class); rank within each group."""
    det_group = dets["image"] * num_classes + dets["class"]
    order = np.lexsort((np.arange(len(det_group)), -dets["scores"], det_group))
    dets = {key: value[order] for key, value in dets.items()}
    det_group = det_group[order]
    dets["rank"] = _rank_in_group(det_group)
    kept = dets["rank"] < MAX_DETECTIONS[-1]
    dets = {key: value[kept] for key, value in dets.items()}
    gt_group = gts["image"] * num_classes + gts["class"]
    order = np.lexsort((np.arange(len(gt_group)), gt_group))
    gts = {key: value[order] for key, value in gts.items()}
    gts["rank"] = _rank_in_group(gt_group[order])
    return dets, det_group[kept], gts, gt_group[order]


def _rank_in_group(sorted_groups):
    if sorted_groups.size == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    lengths = np.diff(np.r_[starts, sorted_groups.size])
    return np.arange(sorted_groups.size) - np.repeat(starts, lengths)


def _padded(dets, det_group, gts, gt_group):
    """Detections (G, D) and GT (G, M) of the G groups that have detections, padded."""
    groups, det_row = np.unique(det_group, return_inverse=True)
    num_rows, depth = groups.size, int(dets["rank"].max()) + 1
    det_boxes = np.zeros((num_rows, depth, 4))
    det_boxes[det_row, dets["rank"]] = dets["boxes"]
    det_valid = np.zeros((num_rows, depth), dtype=bool)
    det_valid[det_row, dets["rank"]] = True
    det_area = np.zeros((num_rows, depth))
    det_area[det_row, dets["rank"]] = dets["area"]
    has_row = np.isin(gt_group, groups)
    gt_row = np.searchsorted(groups, gt_group[has_row])
    gt_rank = gts["rank"][has_row]
    width = int(gt_rank.max()) + 1 if gt_rank.size else 1
    gt_boxes = np.zeros((num_rows, width, 4))
    gt_boxes[gt_row, gt_rank] = gts["boxes"][has_row]
    gt_valid = np.zeros((num_rows, width), dtype=bool)
    gt_valid[gt_row, gt_rank] = True
    gt_area = np.zeros((num_rows, width))
    gt_area[gt_row, gt_rank] = gts["area"][has_row]
    iou = np.nan_to_num(pairwise_iou_array(det_boxes, gt_boxes), nan=0.0)
    return det_row, det_valid, det_area, gt_valid, gt_area, iou


def _last_best(score):
    """Index of the maximum along the last axis, the last one on ties (COCO's ``<`` comparison)."""
    return score.shape[-1] - 1 - np.argmax(score[..., ::-1], axis=-1)


def _match(iou, det_valid, gt_valid, gt_ignore):
    """Greedy COCO matching for all groups and thresholds at once: a loop over detection ranks.
    Returns matched (T, G, D) and matched-to-ignored-GT (T, G, D)."""
    thresholds = np.minimum(IOU_THRESHOLDS, 1 - 1e-10)[:, None, None]
    num_rows, depth = det_valid.shape
    taken = np.zeros((len(IOU_THRESHOLDS),) + gt_valid.shape, dtype=bool)
    matched = np.zeros((len(IOU_THRESHOLDS), num_rows, depth), dtype=bool)
    matched_ignored = np.zeros_like(matched)
    rows = np.arange(num_rows)
    for rank in range(depth):
        overlap = iou[:, rank, :][None]
        allowed = gt_valid[None] & ~taken & (overlap >= thresholds)
        regular = allowed & ~gt_ignore[None]
        candidates = np.where(regular.any(-1, keepdims=True), regular, allowed)
        best = _last_best(np.where(candidates, overlap, -np.inf))
        found = candidates.any(-1) & det_valid[None, :, rank]
        threshold_index, row_index = np.nonzero(found)
        taken[threshold_index, row_index, best[found]] = True
        matched[:, :, rank] = found
        matched_ignored[:, :, rank] = found & gt_ignore[rows[None], best]
    return matched, matched_ignored


def _precision_recall(scores, tps, fps, num_regular):
    """COCO's 101-point interpolated precision (T, R) and final recall (T,) of one pool."""
    order = np.argsort(-scores, kind="mergesort")
    tp_sum = np.cumsum(tps[:, order], axis=1).astype(float)
    fp_sum = np.cumsum(fps[:, order], axis=1).astype(float)
    count = tp_sum.shape[1]
    precision = np.zeros((tp_sum.shape[0], len(RECALL_THRESHOLDS)))
    if count == 0:
        return precision, np.zeros(tp_sum.shape[0])
    recall = tp_sum / num_regular
    interpolated = tp_sum / (fp_sum + tp_sum + np.spacing(1))
    interpolated = np.maximum.accumulate(interpolated[:, ::-1], axis=1)[:, ::-1]
    for t in range(tp_sum.shape[0]):
        positions = np.searchsorted(recall[t], RECALL_THRESHOLDS, side="left")
        reached = positions < count
        precision[t, reached] = interpolated[t, positions[reached]]
    return precision, recall[:, -1]


def _outside(area, area_range):
    return (area < area_range[0]) | (area > area_range[1])


def _evaluate(dets, gts, num_classes):
    """precision (T, R, K, A, M) and recall (T, K, A, M), −1 where a class has no regular GT."""
    dets, det_group, gts, gt_group = _groups(dets, gts, num_classes)
    shape = (len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS), num_classes, len(AREA_RANGES), len(MAX_DETECTIONS))
    precision = -np.ones(shape)
    recall = -np.ones((shape[0],) + shape[2:])
    padded = _padded(dets, det_group, gts, gt_group) if det_group.size else None
    for a, area_range in enumerate(AREA_RANGES.values()):
        if padded is not None:
            det_row, det_valid, det_area, gt_valid, gt_area, iou = padded
            matched, matched_ignored = _match(iou, det_valid, gt_valid, _outside(gt_area, area_range))
            outside = _outside(det_area, area_range)[None]
            ignored = matched_ignored | (~matched & outside)
            matched = matched[:, det_row, dets["rank"]]
            ignored = ignored[:, det_row, dets["rank"]]
        gt_regular = ~_outside(gts["area"], area_range)
        for k in range(num_classes):
            num_regular = np.count_nonzero(gt_regular & (gts["class"] == k))
            if num_regular == 0:
                continue
            for m, budget in enumerate(MAX_DETECTIONS):
                chosen = (dets["class"] == k) & (dets["rank"] < budget)
                if padded is None or not chosen.any():
                    precision[:, :, k, a, m], recall[:, k, a, m] = 0.0, 0.0
                    continue
                counted = ~ignored[:, chosen]
                tps, fps = matched[:, chosen] & counted, ~matched[:, chosen] & counted
                precision[:, :, k, a, m], recall[:, k, a, m] = _precision_recall(
                    dets["scores"][chosen], tps, fps, num_regular
                )
    return precision, recall


def _mean(values):
    defined = values[values > -1]
    return float(np.mean(defined)) if defined.size else -1.0


def mean_average_precision(preds, targets, box_format="xyxy"):
    """COCO box mAP/mAR (pycocotools' numbers, torchmetrics' keys) of predictions against targets.

    Args:
        preds: a list (one per image) of dicts ``boxes`` (n, 4), ``scores`` (n,), ``labels`` (n,)
            (arrays, Tensors or lists).
        targets: a list of the same length of dicts ``boxes`` (g, 4), ``labels`` (g,), optionally
            ``area`` (g,) (the box area by default; COCO's segment area when you have it).
        box_format: ``'xyxy'`` (default), ``'xywh'`` or ``'cxcywh'``.

    Returns a dict of floats ``map, map_50, map_75, map_small, map_medium, map_large, mar_1, mar_10,
    mar_100, mar_small, mar_medium, mar_large`` (−1 where undefined, as COCO), and arrays ``classes``
    (K,) (every label seen in preds or targets, sorted), ``map_per_class`` (K,) and
    ``mar_100_per_class`` (K,).

    >>> preds = [{"boxes": [[0, 0, 10, 10]], "scores": [0.9], "labels": [1]}]
    >>> targets = [{"boxes": [[1, 0, 10, 10]], "labels": [1]}]
    >>> round(mean_average_precision(preds, targets)["map_50"], 6)
    1.0
    """
    if not isinstance(preds, (list, tuple)) or not isinstance(targets, (list, tuple)):
        raise TypeError("mean_average_precision: preds and targets must be lists of dicts (one per image)")
    if len(preds) != len(targets):
        raise ValueError(
            f"mean_average_precision: {len(preds)} preds but {len(targets)} targets (one each per image)"
        )
    if box_format not in BOX_FORMATS:
        raise ValueError(
            f"mean_average_precision: box_format must be one of {BOX_FORMATS}, got {box_format!r}"
        )
    dets = _read(preds, ("boxes", "scores", "labels"), "preds", box_format)
    dets["area"] = (dets["boxes"][:, 2] - dets["boxes"][:, 0]) * (dets["boxes"][:, 3] - dets["boxes"][:, 1])
    gts = _read(targets, ("boxes", "labels", "area"), "targets", box_format)
    classes = np.unique(np.concatenate([dets["labels"], gts["labels"]]).astype(np.int64))
    dets["class"] = np.searchsorted(classes, dets.pop("labels").astype(np.int64))
    gts["class"] = np.searchsorted(classes, gts.pop("labels").astype(np.int64))
    dets["scores"] = dets["scores"].astype(np.float64)
    precision, recall = _evaluate(dets, gts, len(classes))
    return _summary(precision, recall, classes)


def _summary(precision, recall, classes):
    areas = list(AREA_RANGES)
    last = len(MAX_DETECTIONS) - 1
    result = {
        "map": _mean(precision[:, :, :, 0, last]),
        "map_50": _mean(precision[0, :, :, 0, last]),
        "map_75": _mean(precision[5, :, :, 0, last]),
    }
    for name in areas[1:]:
        result[f"map_{name}"] = _mean(precision[:, :, :, areas.index(name), last])
    for m, budget in enumerate(MAX_DETECTIONS):
        result[f"mar_{budget}"] = _mean(recall[:, :, 0, m])
    for name in areas[1:]:
        result[f"mar_{name}"] = _mean(recall[:, :, areas.index(name), last])
    result["classes"] = classes
    result["map_per_class"] = np.array([_mean(precision[:, :, k, 0, last]) for k in range(len(classes))])
    result["mar_100_per_class"] = np.array([_mean(recall[:, k, 0, last]) for k in range(len(classes))])
    return result
