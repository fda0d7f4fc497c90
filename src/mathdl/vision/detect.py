"""Running a trained grid detector on images: scores, NMS, and pictures of the result.

    result = detect(model, image)          # {"boxes": (K, 4) xyxy pixels, "scores": (K,), "labels": (K,)}
    write_detections_png(image, result, "out.png", class_names)

``model`` is any Module with ``features(x)`` (a feature map), ``head(features) -> (N, 5 + C, h, w)`` and
``decode(output) -> (boxes (N, hw, 4), objectness logits (N, hw), class logits (N, hw, C))`` (``mathdl.models.YoloDetector``);
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
        raise ValueError(
            f"{where}: expected a grey image (H, W), (1, H, W) or a batch (N, 1, H, W), got {array.shape}"
        )
    return array


def _check_thresholds(score_threshold, iou_threshold, max_detections, where):
    if not 0 <= score_threshold <= 1:
        raise ValueError(f"{where}: score_threshold must be in [0, 1], got {score_threshold!r}")
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f"{where}: iou_threshold must be in [0, 1], got {iou_threshold!r}")
    if (
        isinstance(max_detections, bool)
        or not isinstance(max_detections, (int, np.integer))
        or max_detections < 1
    ):
        raise ValueError(f"{where}: max_detections must be a positive int, got {max_detections!r}")


def _class_scores(objectness, class_logits):
    """σ(o) · softmax(z): (hw, C) scores of every cell and class."""
    logits = class_logits - class_logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return probabilities / (1.0 + np.exp(-objectness))[:, None]


def postprocess(
    boxes,
    objectness,
    class_logits,
    image_size,
    score_threshold=0.05,
    iou_threshold=0.5,
    max_detections=100,
    multi_label=False,
    class_agnostic=False,
):
    """One image's cells → detections. boxes (hw, 4), objectness logits (hw,), class logits (hw, C)
    (arrays); image_size (H, W). Returns the dict of ``detect``. ``multi_label``: every (cell, class)
    pair scoring above the threshold is a candidate (YOLOv5's evaluation setting), not only each
    cell's best class. ``class_agnostic``: NMS across classes (one box per object whatever its label,
    what a tracker wants), instead of within each class."""
    scores = _class_scores(objectness, class_logits)
    if multi_label:
        cells, labels = np.nonzero(scores >= score_threshold)
    else:
        labels = scores.argmax(axis=1)
        cells = np.flatnonzero(scores[np.arange(len(labels)), labels] >= score_threshold)
        labels = labels[cells]
    values = scores[cells, labels]
    height, width = image_size
    clipped = np.clip(boxes[cells], 0, [width, height, width, height])
    sizeable = (clipped[:, 2] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 1])
    clipped, values, labels = clipped[sizeable], values[sizeable], labels[sizeable]
    groups = np.zeros_like(labels) if class_agnostic else labels
    keep = np.asarray(batched_nms(clipped, values, groups, iou_threshold), dtype=np.int64)[:max_detections]
    return {
        "boxes": clipped[keep].astype(np.float32),
        "scores": values[keep].astype(np.float32),
        "labels": labels[keep].astype(np.int64),
    }


def box_features(feature_map, boxes, image_size, samples=3):
    """Appearance embeddings (N, C) of ``boxes`` (N, 4) xyxy in image pixels from one image's feature
    map (C, h, w) covering the image (H, W): the mean of the map bilinearly sampled (``grid_sample``,
    align_corners=False, border padding) at the centres of a ``samples`` × ``samples`` subdivision of each box (RoIAlign
    with one bin), scaled to unit length. A point at image x maps to the normalised coordinate 2x/W − 1."""
    from mathdl.ops.grid_sampling import grid_sample

    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    channels = feature_map.shape[0]
    if len(boxes) == 0:
        return np.zeros((0, channels), dtype=np.float32)
    height, width = image_size
    fractions = (np.arange(samples) + 0.5) / samples
    xs = boxes[:, 0:1] + fractions[None] * (boxes[:, 2:3] - boxes[:, 0:1])  # (N, s)
    ys = boxes[:, 1:2] + fractions[None] * (boxes[:, 3:4] - boxes[:, 1:2])
    grid_x = np.broadcast_to(xs[:, None, :], (len(boxes), samples, samples)) * 2 / width - 1
    grid_y = np.broadcast_to(ys[:, :, None], (len(boxes), samples, samples)) * 2 / height - 1
    grid = np.stack([grid_x, grid_y], axis=-1).reshape(1, len(boxes), samples * samples, 2)
    with no_grad():
        sampled = grid_sample(
            Tensor(np.asarray(feature_map, dtype=np.float32)[None]),
            Tensor(grid.astype(np.float32)),
            padding_mode="border",
            align_corners=False,
        ).array[0]  # (C, N, s²)
    pooled = sampled.mean(axis=2).T
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def detect_batch(
    model,
    images,
    score_threshold=0.05,
    iou_threshold=0.5,
    max_detections=100,
    batch_size=64,
    features=False,
    multi_label=False,
    class_agnostic=False,
):
    """``detect`` for a batch (N, 1, H, W) (or a list of same-sized images): a list of N dicts.
    Runs the model in eval mode without gradients, ``batch_size`` images at a time. ``features=True``
    adds ``"features"`` (K, C): ``box_features`` of each detection from ``model.features(x)`` (the map
    the head reads), an appearance embedding for trackers. ``multi_label``, ``class_agnostic``: see ``postprocess``."""
    where = "detect_batch"
    array = _as_images(images, where)
    _check_thresholds(score_threshold, iou_threshold, max_detections, where)
    was_training = getattr(model, "training", False)
    model.eval()
    results = []
    try:
        with no_grad():
            for start in range(0, len(array), batch_size):
                feature_maps = model.features(Tensor(array[start : start + batch_size]))
                boxes, objectness, class_logits = model.decode(model.head(feature_maps))
                for k, (b, o, c) in enumerate(zip(boxes.array, objectness.array, class_logits.array)):
                    result = postprocess(
                        b,
                        o,
                        c,
                        array.shape[2:],
                        score_threshold,
                        iou_threshold,
                        max_detections,
                        multi_label,
                        class_agnostic,
                    )
                    if features:
                        result["features"] = box_features(
                            feature_maps.array[k], result["boxes"], array.shape[2:]
                        )
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


def read_grey_image(path):
    """A PNG (or any format Pillow reads) as a grey float32 (1, H, W) array in [0, 1]: colour images
    are converted with ITU-R 601 luma (Pillow's ``convert("L")``), 16-bit grey is scaled by 1/65535.
    Pillow comes with matplotlib. FileNotFoundError for a missing file, ValueError for one that is not
    an image."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_grey_image: no such file: {path}")
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover - Pillow is a dependency of matplotlib
        raise ImportError(
            "read_grey_image: reading images needs Pillow (installed with matplotlib)"
        ) from None
    try:
        with Image.open(path) as image:
            if image.mode in ("I;16", "I;16B", "I"):
                array = np.asarray(image, dtype=np.float64) / 65535.0
            else:
                array = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"read_grey_image: {path} is not a readable image ({error})") from None
    return np.clip(array, 0, 1).astype(np.float32)[None]
