"""SORT: Simple Online and Realtime Tracking (Bewley, Ge, Ott, Ramos & Upcroft 2016).

Each frame:
1. predict every track's box with its constant-velocity Kalman filter (``SortBoxFilter``);
2. match detections to predicted boxes by the assignment that maximises the total IoU
   (``linear_sum_assignment`` on −IoU), discarding pairs with IoU < ``iou_threshold``;
3. update matched tracks with their detection; start a track for every unmatched detection;
   delete tracks unmatched for more than ``max_age`` frames;
4. report the tracks matched in this frame that have been matched ``min_hits`` frames in a row
   (or all matched tracks during the first ``min_hits`` frames of the stream), with their
   filtered boxes.
"""

import numpy as np

from mathdl.optimize.assignment import linear_sum_assignment
from mathdl.vision.ops.nms import pairwise_iou_array
from mathdl.vision.tracking.kalman_box import SortBoxFilter


def check_boxes(boxes, where):
    """Detections as a float64 (N, 4) xyxy array with positive widths and heights."""
    boxes = boxes.array if hasattr(boxes, "array") else np.asarray(boxes)
    if boxes.dtype.kind not in "biuf" and boxes.size:
        raise TypeError(f"{where}: boxes must be numeric, got dtype {boxes.dtype}")
    boxes = boxes.astype(np.float64).reshape(-1, 4) if boxes.size else np.zeros((0, 4))
    if not np.all(np.isfinite(boxes)):
        raise ValueError(f"{where}: boxes must be finite")
    if np.any(boxes[:, 2] <= boxes[:, 0]) or np.any(boxes[:, 3] <= boxes[:, 1]):
        raise ValueError(f"{where}: boxes must be xyxy with x2 > x1 and y2 > y1")
    return boxes


def match_by_iou(detections, predictions, iou_threshold):
    """Maximum-total-IoU matching of (N, 4) detections to (M, 4) predictions.
    Returns (pairs (K, 2) of [detection, track], unmatched detections, unmatched tracks)."""
    if len(detections) == 0 or len(predictions) == 0:
        return np.zeros((0, 2), dtype=np.int64), np.arange(len(detections)), np.arange(len(predictions))
    iou = np.nan_to_num(pairwise_iou_array(detections, predictions), nan=0.0)
    rows, cols = linear_sum_assignment(-iou)
    good = iou[rows, cols] >= iou_threshold
    pairs = np.stack([rows[good], cols[good]], axis=1)
    return (
        pairs,
        np.setdiff1d(np.arange(len(detections)), pairs[:, 0]),
        np.setdiff1d(np.arange(len(predictions)), pairs[:, 1]),
    )


class _Track:
    def __init__(self, box, track_id):
        self.filter = SortBoxFilter(box)
        self.track_id = track_id
        self.time_since_update = 0
        self.hit_streak = 0
        self.hits = 0

    def predict(self):
        box = self.filter.predict()
        if self.time_since_update > 0:
            self.hit_streak = 0
        self.time_since_update += 1
        return box

    def update(self, box):
        self.filter.update(box)
        self.time_since_update = 0
        self.hits += 1
        self.hit_streak += 1


class Sort:
    """The SORT tracker. ``tracker.update(boxes)`` once per frame, in order.

    Args:
        max_age: frames a track may go unmatched before it is deleted (Bewley's default 1).
        min_hits: consecutive matches before a track is reported (default 3).
        iou_threshold: the least IoU of a detection with a track's predicted box to match (0.3).

    ``update(boxes)`` takes the frame's detections (N, 4) ``xyxy`` (N may be 0) and returns
    ``{"boxes": (K, 4), "track_ids": (K,) int64}``, the reported tracks sorted by id.

    >>> tracker = Sort(min_hits=1)
    >>> tracker.update([[10, 10, 20, 20]])["track_ids"]
    array([0])
    >>> tracker.update([[12, 10, 22, 20]])["track_ids"]
    array([0])
    """

    def __init__(self, max_age=1, min_hits=3, iou_threshold=0.3):
        if not isinstance(max_age, (int, np.integer)) or max_age < 0:
            raise ValueError(f"Sort: max_age must be a non-negative int, got {max_age!r}")
        if not isinstance(min_hits, (int, np.integer)) or min_hits < 0:
            raise ValueError(f"Sort: min_hits must be a non-negative int, got {min_hits!r}")
        if not 0 <= iou_threshold <= 1:
            raise ValueError(f"Sort: iou_threshold must be in [0, 1], got {iou_threshold!r}")
        self.max_age, self.min_hits, self.iou_threshold = int(max_age), int(min_hits), float(iou_threshold)
        self.tracks, self.frame_count, self.next_id = [], 0, 0

    def update(self, boxes):
        boxes = check_boxes(boxes, "Sort.update")
        self.frame_count += 1
        predicted = np.array([track.predict() for track in self.tracks]).reshape(-1, 4)
        valid = np.all(np.isfinite(predicted), axis=1)
        self.tracks = [track for track, ok in zip(self.tracks, valid) if ok]
        pairs, new, _ = match_by_iou(boxes, predicted[valid], self.iou_threshold)
        for detection, track in pairs:
            self.tracks[track].update(boxes[detection])
        for detection in new:
            self.tracks.append(_Track(boxes[detection], self.next_id))
            self.next_id += 1
        reported = [
            track
            for track in self.tracks
            if track.time_since_update < 1
            and (track.hit_streak >= self.min_hits or self.frame_count <= self.min_hits)
        ]
        self.tracks = [track for track in self.tracks if track.time_since_update <= self.max_age]
        return tracks_output(reported)


def tracks_output(tracks):
    """``{"boxes": (K, 4), "track_ids": (K,)}`` of tracks, sorted by id."""
    tracks = sorted(tracks, key=lambda track: track.track_id)
    return {
        "boxes": np.array([track.filter.box for track in tracks]).reshape(-1, 4),
        "track_ids": np.array([track.track_id for track in tracks], dtype=np.int64),
    }
