"""NMS against the greedy rule written out here, hand-made cases, and batched NMS against per-class NMS."""

import numpy as np
import pytest

import mathdl as md
from mathdl.vision import ops


def reference_nms(boxes, scores, threshold):
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    keep = []
    for i in order:
        ok = True
        for j in keep:
            a, b = boxes[i], boxes[j]
            inter = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
            union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
            if inter / union > threshold:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


def clustered_boxes(rng, n):
    centres = rng.uniform(0, 30, (4, 2))[rng.integers(0, 4, n)] + rng.normal(0, 2, (n, 2))
    size = rng.uniform(4, 10, (n, 2))
    return np.concatenate([centres - size / 2, centres + size / 2], axis=1)


def test_nms_equals_the_greedy_rule(rng):
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 40))
        boxes, scores = clustered_boxes(rng, n), rng.random(n)
        threshold = float(rng.uniform(0.1, 0.8))
        keep = ops.nms(boxes, scores, threshold)
        assert keep.dtype == np.int64
        assert keep.tolist() == reference_nms(boxes, scores, threshold)
        assert np.all(np.diff(scores[keep]) <= 0)


def test_hand_made_cases():
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 5], [20, 20, 30, 30]]
    scores = [0.8, 0.9, 0.7, 0.1]
    # IoU(1, 0) = 81/119 = 0.68 suppresses box 0; box 2 overlaps box 1 by 36/(100+50-36) = 0.32
    assert ops.nms(boxes, scores, 0.5).tolist() == [1, 2, 3]
    assert ops.nms(boxes, scores, 0.3).tolist() == [1, 3]
    # equal to the threshold is not suppressed (strictly greater, as torchvision)
    assert ops.nms([[0, 0, 2, 1], [1, 0, 3, 1]], [1.0, 0.5], 1 / 3).tolist() == [0, 1]
    # equal scores: the lower index first
    assert ops.nms([[0, 0, 1, 1], [5, 5, 6, 6]], [0.5, 0.5], 0.5).tolist() == [0, 1]
    assert ops.nms(np.zeros((0, 4)), np.zeros(0), 0.5).tolist() == []
    assert ops.nms(md.tensor(boxes), md.tensor(scores), 0.5).tolist() == [1, 2, 3]


def test_batched_nms_is_per_class_nms_merged_by_score(rng):
    for seed in range(20):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 40))
        boxes, scores, idxs = clustered_boxes(rng, n), rng.random(n), rng.integers(0, 3, n)
        expected = []
        for c in np.unique(idxs):
            members = np.flatnonzero(idxs == c)
            expected += members[reference_nms(boxes[members], scores[members], 0.4)].tolist()
        expected.sort(key=lambda i: -scores[i])
        assert ops.batched_nms(boxes, scores, idxs, 0.4).tolist() == expected


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="scores must have shape"):
        ops.nms(np.zeros((3, 4)), np.zeros(2), 0.5)
    with pytest.raises(ValueError, match="boxes must have shape"):
        ops.nms(np.zeros((3, 5)), np.zeros(3), 0.5)
    with pytest.raises(ValueError, match="iou_threshold"):
        ops.nms(np.zeros((3, 4)), np.zeros(3), float("nan"))
    with pytest.raises(ValueError, match="idxs"):
        ops.batched_nms(np.zeros((3, 4)), np.zeros(3), np.zeros(3), 0.5)
