"""Multi-object trackers over per-frame detections: ``Sort`` (Kalman + IoU assignment) and
``DeepSort`` (Kalman + appearance embedding, Mahalanobis gating, matching cascade).

    tracker = Sort(max_age=3, min_hits=1)
    for boxes in detections_per_frame:
        out = tracker.update(boxes)        # {"boxes": (K, 4), "track_ids": (K,)}
"""

from mathdl.vision.tracking.deep_sort import DeepSort, histogram_embedding, min_cost_matching
from mathdl.vision.tracking.kalman_box import CHI2_95_4DOF, DeepSortBoxFilter, SortBoxFilter
from mathdl.vision.tracking.sort import Sort, match_by_iou


def __getattr__(name):
    # track() runs a detector (mathdl.vision.detect); imported on first use
    if name in ("track", "default_tracker"):
        from mathdl.vision.tracking import follow

        return getattr(follow, name)
    raise AttributeError(f"module 'mathdl.vision.tracking' has no attribute {name!r}")


__all__ = [
    "CHI2_95_4DOF",
    "DeepSort",
    "DeepSortBoxFilter",
    "Sort",
    "SortBoxFilter",
    "default_tracker",
    "histogram_embedding",
    "match_by_iou",
    "min_cost_matching",
    "track",
]
