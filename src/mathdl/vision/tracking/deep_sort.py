"""A DeepSORT-style tracker (Wojke, Bewley & Paulus 2017): SORT plus an appearance term.

Each detection j carries an embedding f_j (unit length); each track i keeps a gallery R_i of the
embeddings of its last ``budget`` matched detections. Association costs:

    appearance   d_cos(i, j) = min_{r ∈ R_i} (1 − rᵀ f_j)
    motion       d²(i, j)   = (z_j − H x_i)ᵀ S_i⁻¹ (z_j − H x_i)   (Mahalanobis, ``DeepSortBoxFilter``)
    cost         c(i, j)    = λ d²(i, j) + (1 − λ) d_cos(i, j)      (λ = ``motion_weight``, 0 in the paper)

and a pair is allowed only when d² ≤ χ²₄(0.95) = 9.4877 (the gate) and d_cos ≤ ``max_cosine_distance``.
Each frame:
1. predict every track's Kalman filter;
2. matching cascade: confirmed tracks matched by ``linear_sum_assignment`` on the gated cost, the
   most recently seen tracks first (level n holds the tracks unmatched for n frames), so a track
   that has coasted long cannot steal a detection from a fresher one;
3. the rest (tentative tracks, and confirmed ones missed only in the last frame) matched on
   1 − IoU ≤ ``max_iou_distance`` as SORT;
4. update matched tracks; a tentative track becomes confirmed after ``n_init`` matches and is deleted at
   its first miss; a confirmed track is deleted after ``max_age`` misses; unmatched detections start
   tentative tracks.
Reported: confirmed tracks matched in this frame (and, as SORT, every matched track during the first
``n_init`` frames of the stream).

Embeddings come from ``features=`` (N, D) given to ``update`` (a detector's features, for instance)
or from the ``embed(image, boxes) -> (N, D)`` function given to the constructor;
``histogram_embedding`` is a pixel embedding that needs no training.
"""

import numpy as np

from mathdl.optimize.assignment import linear_sum_assignment
from mathdl.vision.ops.nms import pairwise_iou_array
from mathdl.vision.tracking.kalman_box import CHI2_95_4DOF, DeepSortBoxFilter
from mathdl.vision.tracking.sort import check_boxes, tracks_output


def histogram_embedding(image, boxes, bins=16, low=0.1, high=1.0):
    """Appearance embeddings (N, bins) from pixels, needing no training: the histogram of the intensities
    in each box over [low, high] (darker pixels, the background, are left out), square-rooted and
    scaled to unit length (so the cosine similarity of two embeddings is the Bhattacharyya coefficient
    of the two histograms). Unlike raw pixel crops it does not change when a box shifts by a few pixels.

    Vectorised with one summed-area table per bin: the count of bin b in rows [y₁, y₂) and columns
    [x₁, x₂) is T_b[y₂, x₂] − T_b[y₁, x₂] − T_b[y₂, x₁] + T_b[y₁, x₁]. ``image`` (H, W) or (1, H, W);
    ``boxes`` (N, 4) xyxy, rounded to whole pixels and clipped to the image.
    """
    image = np.asarray(getattr(image, "array", image), dtype=np.float64)
    image = image.reshape(image.shape[-2:])
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    height, width = image.shape
    which = np.floor((image - low) / (high - low) * bins).astype(int)
    inside = (image >= low) & (image <= high)
    one_hot = (np.arange(bins)[:, None, None] == np.minimum(which, bins - 1)[None]) & inside[None]
    table = np.zeros((bins, height + 1, width + 1))
    table[:, 1:, 1:] = one_hot.cumsum(1).cumsum(2)
    x1, x2 = (np.clip(np.round(boxes[:, k]), 0, width).astype(int) for k in (0, 2))
    y1, y2 = (np.clip(np.round(boxes[:, k]), 0, height).astype(int) for k in (1, 3))
    counts = table[:, y2, x2] - table[:, y1, x2] - table[:, y2, x1] + table[:, y1, x1]
    return _normalise(np.sqrt(counts.T))


def _normalise(features):
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.where(norms > 0, norms, 1.0)


class _Track:
    def __init__(self, box, feature, track_id, budget, noise):
        self.filter = DeepSortBoxFilter(box, **noise)
        self.track_id, self.budget = track_id, budget
        self.hits, self.time_since_update, self.confirmed = 1, 0, False
        self.gallery = [feature]

    def predict(self):
        self.filter.predict()
        self.time_since_update += 1

    def update(self, box, feature, n_init):
        self.filter.update(box)
        self.gallery = (self.gallery + [feature])[-self.budget :]
        self.hits += 1
        self.time_since_update = 0
        self.confirmed = self.confirmed or self.hits >= n_init


def min_cost_matching(cost, max_cost):
    """Least-total-cost assignment of rows to columns among pairs with cost ≤ ``max_cost``; pairs above
    it are priced just over ``max_cost`` (so the solver always finds an assignment) and then dropped.
    Returns (K, 2) index pairs."""
    if cost.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    capped = np.where(cost > max_cost, max_cost + 1e-5, cost)
    rows, cols = linear_sum_assignment(capped)
    keep = cost[rows, cols] <= max_cost
    return np.stack([rows[keep], cols[keep]], axis=1)


class DeepSort:
    """The DeepSORT-style tracker. ``tracker.update(boxes, features=None, image=None)`` once per frame.

    Args:
        embed: ``embed(image, boxes) -> (N, D)`` used when ``update`` gets no ``features``
            (e.g. ``histogram_embedding``); None requires ``features`` at every update.
        max_cosine_distance: the appearance gate on d_cos (0.2 in DeepSORT).
        budget: embeddings kept per track (100).
        max_iou_distance: the IoU stage accepts 1 − IoU up to this (0.7).
        max_age: misses before a confirmed track is deleted (30).
        n_init: matches before a track is confirmed (3).
        gating_threshold: the gate on the squared Mahalanobis distance (χ²₄ 95%: 9.4877).
        motion_weight: λ in c = λ d² + (1 − λ) d_cos (0: appearance only, motion as a gate).
        aspect_noise: σ of the per-frame change of the aspect ratio in the Kalman filter (DeepSORT's
            10⁻²; 0.1 for boxes that change shape under occlusion, see ``DeepSortBoxFilter``).
        position_weight: the Kalman filter's position noise as a fraction of the box height (DeepSORT's
            1/20): it sets both the measurement noise and the width of the Mahalanobis gate, so it should
            match how far the detector's boxes stray.

    Returns per frame ``{"boxes": (K, 4), "track_ids": (K,) int64}`` sorted by id.

    >>> tracker = DeepSort(n_init=1)
    >>> tracker.update([[10, 10, 20, 20]], features=[[1.0, 0.0]])["track_ids"]
    array([0])
    >>> tracker.update([[11, 10, 21, 20]], features=[[0.9, 0.1]])["track_ids"]
    array([0])
    """

    def __init__(
        self,
        embed=None,
        max_cosine_distance=0.2,
        budget=100,
        max_iou_distance=0.7,
        max_age=30,
        n_init=3,
        gating_threshold=CHI2_95_4DOF,
        motion_weight=0.0,
        aspect_noise=1e-2,
        position_weight=1 / 20,
    ):
        if embed is not None and not callable(embed):
            raise TypeError(
                f"DeepSort: embed must be callable(image, boxes) or None, got {type(embed).__name__}"
            )
        for name, value in (("budget", budget), ("max_age", max_age), ("n_init", n_init)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"DeepSort: {name} must be a positive int, got {value!r}")
        if not 0 <= motion_weight <= 1:
            raise ValueError(f"DeepSort: motion_weight must be in [0, 1], got {motion_weight!r}")
        self.embed, self.budget, self.max_age, self.n_init = embed, int(budget), int(max_age), int(n_init)
        self.max_cosine_distance, self.max_iou_distance = float(max_cosine_distance), float(max_iou_distance)
        self.gating_threshold, self.motion_weight = float(gating_threshold), float(motion_weight)
        self.filter_noise = {"aspect_noise": float(aspect_noise), "position_weight": float(position_weight)}
        self.tracks, self.frame_count, self.next_id = [], 0, 0

    def _features(self, boxes, features, image):
        if features is None:
            if self.embed is None:
                raise ValueError(
                    "DeepSort.update: give features= (N, D) or construct the tracker with embed="
                )
            if image is None:
                raise ValueError("DeepSort.update: embed needs the frame: pass image=")
            features = self.embed(image, boxes)
        features = np.asarray(getattr(features, "array", features), dtype=np.float64)
        if len(boxes) == 0 and features.size == 0:
            features = np.zeros((0, 0))
        if features.ndim != 2 or features.shape[0] != len(boxes):
            raise ValueError(
                f"DeepSort.update: {len(boxes)} boxes need feature rows (N, D), got shape {features.shape}"
            )
        return _normalise(features)

    def _appearance_cost(self, track_indices, boxes, features, detections):
        cost = np.empty((len(track_indices), len(detections)))
        for row, k in enumerate(track_indices):
            track = self.tracks[k]
            cosine = 1.0 - np.max(np.array(track.gallery) @ features[detections].T, axis=0)
            mahalanobis = track.filter.gating_distance(boxes[detections])
            combined = self.motion_weight * mahalanobis + (1 - self.motion_weight) * cosine
            allowed = (mahalanobis <= self.gating_threshold) & (cosine <= self.max_cosine_distance)
            cost[row] = np.where(allowed, combined, np.inf)
        return cost

    def _cascade(self, boxes, features):
        unmatched = np.arange(len(boxes))
        matches = []
        confirmed = [k for k, track in enumerate(self.tracks) if track.confirmed]
        for level in range(1, self.max_age + 1):
            if unmatched.size == 0:
                break
            level_tracks = [k for k in confirmed if self.tracks[k].time_since_update == level]
            if not level_tracks:
                continue
            cost = self._appearance_cost(level_tracks, boxes, features, unmatched)
            limit = self.max_cosine_distance if self.motion_weight == 0 else np.inf
            pairs = min_cost_matching(np.where(np.isinf(cost), 1e5, cost), min(limit, 1e5 - 1))
            matches += [(level_tracks[r], unmatched[c]) for r, c in pairs]
            unmatched = np.delete(unmatched, pairs[:, 1])
        return matches, unmatched

    def _iou_stage(self, boxes, matched_tracks, unmatched):
        candidates = [
            k
            for k, track in enumerate(self.tracks)
            if k not in matched_tracks and (not track.confirmed or track.time_since_update == 1)
        ]
        if not candidates or unmatched.size == 0:
            return [], unmatched
        predicted = np.array([self.tracks[k].filter.box for k in candidates])
        cost = 1.0 - np.nan_to_num(pairwise_iou_array(predicted, boxes[unmatched]), nan=0.0)
        pairs = min_cost_matching(cost, self.max_iou_distance)
        return [(candidates[r], unmatched[c]) for r, c in pairs], np.delete(unmatched, pairs[:, 1])

    def update(self, boxes, features=None, image=None):
        """Track one frame: detections ``boxes`` (N, 4) xyxy and their embeddings ``features`` (N, D)
        (or ``image`` for ``embed``). Returns the reported tracks."""
        boxes = check_boxes(boxes, "DeepSort.update")
        features = self._features(boxes, features, image)
        self.frame_count += 1
        for track in self.tracks:
            track.predict()
        matches, unmatched = self._cascade(boxes, features)
        more, unmatched = self._iou_stage(boxes, {k for k, _ in matches}, unmatched)
        for k, j in matches + more:
            self.tracks[k].update(boxes[j], features[j], self.n_init)
        self.tracks = [
            track
            for track in self.tracks
            if track.time_since_update == 0 or (track.confirmed and track.time_since_update <= self.max_age)
        ]
        for j in unmatched:
            self.tracks.append(_Track(boxes[j], features[j], self.next_id, self.budget, self.filter_noise))
            self.next_id += 1
        reported = [
            track
            for track in self.tracks
            if track.time_since_update == 0 and (track.confirmed or self.frame_count <= self.n_init)
        ]
        return tracks_output(reported)
