"""Following objects with a trained detector: detect every frame, then associate with SORT or DeepSORT.

    tracks = track(model, frames, tracker="deepsort")     # T dicts {"boxes", "track_ids"}

``model`` is a grid detector as ``mathdl.vision.detect`` expects (``mathdl.models.YoloDetector``). The
DeepSORT appearance embedding is, by default, the detector's own feature map pooled inside each box
(``box_features``: the mean of 3 × 3 bilinear samples of the map the head reads, unit length), so the
tracker needs no second network; ``embedding="histogram"`` uses ``histogram_embedding`` instead.
"""

import numpy as np

from mathdl.vision.detect import detect_batch
from mathdl.vision.tracking.deep_sort import DeepSort, histogram_embedding
from mathdl.vision.tracking.sort import Sort

EMBEDDINGS = ("detector", "histogram")


def default_tracker(name):
    """The trackers tuned for the moving Fashion scenes (docs/tracking.md): ``"sort"`` = Sort(max_age=3,
    min_hits=1); ``"deepsort"`` = DeepSort(n_init=2, max_age=10, aspect_noise=0.1, position_weight=0.06,
    max_cosine_distance=0.3): w_p is the trained detector's box error (σ of an edge / side, 0.06), the
    cosine gate the one with the fewest identity switches on training sequences
    (examples/vision_detector_tracking.py)."""
    if name == "sort":
        return Sort(max_age=3, min_hits=1)
    if name == "deepsort":
        return DeepSort(n_init=2, max_age=10, aspect_noise=0.1, position_weight=0.06, max_cosine_distance=0.3)
    raise ValueError(f"track: tracker must be 'sort', 'deepsort' or a tracker object, got {name!r}")


def track(model, frames, tracker="sort", embedding="detector", score_threshold=0.1, iou_threshold=0.5):
    """Tracks of one sequence ``frames`` (T, 1, H, W) (sides multiples of the model's stride).

    Args:
        tracker: ``"sort"``, ``"deepsort"`` (``default_tracker``) or a fresh ``Sort``/``DeepSort``.
        embedding: for a DeepSort: ``"detector"`` (pooled detector features) or ``"histogram"``.
        score_threshold, iou_threshold: passed to the detector's post-processing (score cut, NMS
            across classes, so an item the detector hesitates about gives one box).

    Returns T dicts ``{"boxes": (K, 4), "track_ids": (K,)}`` (the trackers' output per frame).
    """
    if embedding not in EMBEDDINGS:
        raise ValueError(f"track: embedding must be one of {EMBEDDINGS}, got {embedding!r}")
    tracker = default_tracker(tracker) if isinstance(tracker, str) else tracker
    if not hasattr(tracker, "update"):
        raise TypeError(f"track: tracker must have update(boxes, ...), got {type(tracker).__name__}")
    frames = np.asarray(getattr(frames, "array", frames), dtype=np.float32)
    appearance = isinstance(tracker, DeepSort)
    detections = detect_batch(
        model,
        frames,
        score_threshold,
        iou_threshold,
        features=appearance and embedding == "detector",
        class_agnostic=True,  # one box per object: the trackers ignore the class
    )
    outputs = []
    for image, found in zip(frames, detections):
        if not appearance:
            outputs.append(tracker.update(found["boxes"]))
        elif embedding == "detector":
            outputs.append(tracker.update(found["boxes"], features=found["features"]))
        else:
            outputs.append(
                tracker.update(found["boxes"], features=histogram_embedding(image, found["boxes"]))
            )
    return outputs
