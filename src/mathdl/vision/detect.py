"""Running a trained grid detector on images: scores, NMS, and pictures of the result.

    result = detect(model, image)          # {"boxes": (K, 4) xyxy pixels, "scores": (K,), "labels": (K,)}
    write_detections_png(image, result, "out.png", class_names)

``model`` is any Module with ``stride``, ``forward(x) -> (N, 5 + C, h, w)`` and ``decode(output) ->
(boxes (N, hw, 4), objectness logits (N, hw), class logits (N, hw, C))`` (``mathdl.models.YoloDetector``);
this module does not import the model zoo. Per cell the score of its best class c* is

    score = σ(o) · softmax(z)_{c*}           (YOLOX: "is there an object" × "which one")

cells scoring below ``score_threshold`` are dropped, ``batched_nms`` removes boxes of the same class that
overlap a higher-scoring one with IoU > ``iou_threshold``, and the ``max_detections`` best are kept.
Boxes are clipped to the image.
"""

import os

import numpy as np

from mathdl.autograd.grad_mode import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.vision.ops.nms import batched_nms


def _as_images(images, where):
    array = np.asarray(getattr(images, "array", images), dtype=np.float32)
    if array.ndim == 2:
        array = array[None, None]
    elif array.ndim == 3:
        array = array[:, None] if array.shape[0] != 1 else array[None]
    if array.ndim != 4 or array.shape[1] != 1:
        raise ValueError(f"{where}: expected a grey image (H, W), (1, H, W) or a batch (N, 1, H, W), got {array.shape}")
    return array


def _check_thresholds(score_threshold, iou_threshold, max_detections, where):
    if not 0 <= score_threshold <= 1:
        raise ValueError(f"{where}: score_threshold must be in [0, 1], got {score_threshold!r}")
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f"{where}: iou_threshold must be in [0, 1], got {iou_threshold!r}")
    if isinstance(max_detections, bool) or not isinstance(max_detections, (int, np.integer)) or max_detections < 1:
        raise ValueError(f"{where}: max_detections must be a positive int, got {max_detections!r}")


def postprocess(boxes, objectness, class_logits, image_size, score_threshold=0.05, iou_threshold=0.5,
                max_detections=100):
    """One image's cells → detections. boxes (hw, 4), objectness logits (hw,), class logits (hw, C)
    (arrays); image_size (H, W). Returns the dict of ``detect`` plus ``cells`` (K,), the grid cell of
    each detection (row-major), for features read from the same grid."""
    logits = class_logits - class_logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    labels = probabilities.argmax(axis=1)
    scores = probabilities[np.arange(len(labels)), labels] / (1.0 + np.exp(-objectness))
    cells = np.flatnonzero(scores >= score_threshold)
    height, width = image_size
    clipped = np.clip(boxes[cells], 0, [width, height, width, height])
    sizeable = (clipped[:, 2] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 1])
    cells, clipped = cells[sizeable], clipped[sizeable]
    keep = np.asarray(batched_nms(clipped, scores[cells], labels[cells], iou_threshold), dtype=np.int64)
    keep = keep[:max_detections]
    return {
        "boxes": clipped[keep].astype(np.float32),
        "scores": scores[cells[keep]].astype(np.float32),
        "labels": labels[cells[keep]].astype(np.int64),
        "cells": cells[keep],
    }


def detect_batch(model, images, score_threshold=0.05, iou_threshold=0.5, max_detections=100, batch_size=64,
                 return_cells=False):
    """``detect`` for a batch (N, 1, H, W) (or a list of same-sized images): a list of N dicts.
    Runs the model in eval mode without gradients, ``batch_size`` images at a time."""
    where = "detect_batch"
    array = _as_images(images, where)
    _check_thresholds(score_threshold, iou_threshold, max_detections, where)
    was_training = getattr(model, "training", False)
    model.eval()
    results = []
    try:
        with no_grad():
            for start in range(0, len(array), batch_size):
                boxes, objectness, class_logits = model.decode(model(Tensor(array[start : start + batch_size])))
                for b, o, c in zip(boxes.array, objectness.array, class_logits.array):
                    result = postprocess(b, o, c, array.shape[2:], score_threshold, iou_threshold, max_detections)
                    if not return_cells:
                        result.pop("cells")
                    results.append(result)
    finally:
        model.train(was_training)
    return results


def detect(model, image, score_threshold=0.3, iou_threshold=0.5, max_detections=100):
    """Detections in one grey image (H, W) or (1, H, W), values in [0, 1], sides multiples of the
    model's stride: ``{"boxes": float32 (K, 4) xyxy in the image's pixels, "scores": (K,),
    "labels": int64 (K,) class indices}``, by decreasing score. (For mAP use a low threshold, e.g.
    0.01, so the precision-recall curve runs to high recall; 0.3 suits pictures.)"""
    array = _as_images(image, "detect")
    if len(array) != 1:
        raise ValueError(f"detect: expected one image, got a batch of {len(array)} (use detect_batch)")
    return detect_batch(model, array, score_threshold, iou_threshold, max_detections)[0]


def detections_to_json(result, class_names=None):
    """A JSON-able dict of a ``detect`` result (lists of floats / ints; ``names`` if given)."""
    data = {
        "boxes": [[round(float(v), 3) for v in box] for box in np.asarray(result["boxes"]).reshape(-1, 4)],
        "scores": [round(float(v), 5) for v in np.asarray(result["scores"])],
        "labels": [int(v) for v in np.asarray(result["labels"])],
    }
    if class_names is not None:
        data["names"] = [str(class_names[c]) for c in data["labels"]]
    return data


def write_detections_png(image, result, path, class_names=None, scale=6):
    """Write ``image`` with its detections drawn (boxes coloured and captioned by class and score) to
    ``path`` (PNG, via matplotlib; written to a temporary file and renamed). Returns the path."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from mathdl.vision.plots import draw_boxes

    array = _as_images(image, "write_detections_png")[0, 0]
    height, width = array.shape
    figure = Figure(figsize=(max(width * scale / 100, 2.0), max(height * scale / 100, 2.0)), dpi=100)
    axis = figure.add_axes([0, 0, 1, 1])
    labels = np.asarray(result["labels"], dtype=np.int64)
    texts = [
        f"{class_names[c] if class_names is not None else c} {s:.2f}"
        for c, s in zip(labels, np.asarray(result["scores"]))
    ]
    draw_boxes(axis, array, result["boxes"], texts, labels)
    axis.set_xlim(-0.5, width - 0.5)
    axis.set_ylim(height - 0.5, -0.5)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    temporary = f"{path}.tmp-{os.getpid()}.png"
    try:
        figure.savefig(temporary, format="png")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path
