"""The box Kalman filters, SORT and the DeepSORT-style tracker: scripted crossings, re-identification
after an occlusion, the gating distance against its formula, the histogram embedding."""

import numpy as np
import pytest

from mathdl.vision.metrics import tracking_metrics
from mathdl.vision.tracking import (
    DeepSort,
    DeepSortBoxFilter,
    Sort,
    SortBoxFilter,
    histogram_embedding,
    min_cost_matching,
)
from mathdl.vision.tracking.kalman_box import xyah_to_xyxy, xysr_to_xyxy, xyxy_to_xyah, xyxy_to_xysr


def crossing(frames=30, speed=2.0, size=12.0):
    """Two boxes swap places: A left → right at y = 40, B right → left at y = 44; they overlap
    fully around the middle frames."""
    gt = []
    for t in range(frames):
        a, b = 10 + speed * t, 70 - speed * t
        gt.append(
            {
                "boxes": np.array([[a, 40, a + size, 40 + size], [b, 44, b + size, 44 + size]]),
                "track_ids": [0, 1],
            }
        )
    return gt


def test_box_parameterisations_round_trip(rng):
    corners = rng.uniform(0, 50, (6, 2))
    boxes = np.c_[corners, corners + rng.uniform(1, 9, (6, 2))]
    np.testing.assert_allclose(xysr_to_xyxy(xyxy_to_xysr(boxes)), boxes)
    np.testing.assert_allclose(xyah_to_xyxy(xyxy_to_xyah(boxes)), boxes)
    u, v, s, r = xyxy_to_xysr([[0, 0, 4, 2]])[0]
    assert (u, v, s, r) == (2, 1, 8, 2)


@pytest.mark.parametrize("make", [SortBoxFilter, DeepSortBoxFilter])
def test_filters_learn_a_constant_velocity(make):
    model = make([0.0, 0.0, 10.0, 20.0])
    for t in range(1, 15):
        model.predict()
        model.update([3.0 * t, 1.0 * t, 3.0 * t + 10, 1.0 * t + 20])
    np.testing.assert_allclose(model.predict(), [45.0, 15.0, 55.0, 35.0], atol=0.5)


def test_gating_distance_is_the_mahalanobis_formula(rng):
    model = DeepSortBoxFilter([10.0, 10.0, 20.0, 30.0])
    model.predict()
    candidates = np.array([[10.0, 10.0, 20.0, 30.0], [12.0, 9.0, 23.0, 31.0], [40.0, 40.0, 50.0, 50.0]])
    H = model.filter.H
    S = H @ model.filter.P @ H.T + model._measurement_noise()
    expected = [
        (z - H @ model.filter.x) @ np.linalg.inv(S) @ (z - H @ model.filter.x)
        for z in xyxy_to_xyah(candidates)
    ]
    np.testing.assert_allclose(model.gating_distance(candidates), expected, rtol=1e-10)
    assert model.gating_distance(candidates)[2] > 9.4877 > model.gating_distance(candidates)[0]


def test_sort_keeps_identities_through_a_crossing():
    gt = crossing()
    tracker = Sort(max_age=3, min_hits=1)
    hyp = [tracker.update(frame["boxes"]) for frame in gt]
    result = tracking_metrics(gt, hyp)
    assert result["num_switches"] == 0 and result["mota"] == pytest.approx(1.0)


def test_deep_sort_keeps_identities_through_a_crossing():
    gt = crossing()
    tracker = DeepSort(n_init=1)
    hyp = [tracker.update(frame["boxes"], features=[[1.0, 0.0], [0.0, 1.0]]) for frame in gt]
    result = tracking_metrics(gt, hyp)
    assert result["num_switches"] == 0 and result["mota"] == pytest.approx(1.0)


def test_deep_sort_reidentifies_after_an_occlusion_where_sort_starts_a_new_track():
    """A moves right at 1 px/frame and is hidden (no detection) for frames 10-17; its appearance and the
    gate bring its old track back. SORT (max_age 3) has forgotten it by then."""
    detections, features = [], []
    for t in range(30):
        a = [5.0 + t, 20.0, 25.0 + t, 40.0]
        b = [60.0, 60.0, 80.0, 80.0]  # a still distractor
        hidden = 10 <= t < 18
        detections.append(np.array([b] if hidden else [a, b]))
        features.append(np.array([[0.0, 1.0]] if hidden else [[1.0, 0.0], [0.0, 1.0]]))
    deep = DeepSort(n_init=1)
    ids_deep = [deep.update(d, features=f)["track_ids"] for d, f in zip(detections, features)]
    sort = Sort(max_age=3, min_hits=1)
    ids_sort = [sort.update(d)["track_ids"] for d in detections]
    assert set(ids_deep[9]) == set(ids_deep[25]) == {0, 1}
    assert set(ids_sort[25]) != set(ids_sort[9])


def test_motion_weight_one_lets_the_mahalanobis_distance_decide():
    """Two items with the same appearance move in parallel 30 px apart and are both missed for two
    frames, so only the cascade (appearance + gate) can match them again: with λ = 1 the cost is d²,
    which picks each item's own track."""
    tracker = DeepSort(n_init=1, motion_weight=1.0)
    ids = []
    for t in range(20):
        boxes = np.array([[5.0 + 2 * t, 10.0, 20.0 + 2 * t, 25.0], [5.0 + 2 * t, 40.0, 20.0 + 2 * t, 55.0]])
        if t in (8, 9):
            boxes = np.zeros((0, 4))
        out = tracker.update(boxes, features=np.ones((len(boxes), 3)))
        if len(out["track_ids"]) == 2:
            ids.append([tuple(out["track_ids"]), out["boxes"][:, 1].round().tolist()])
    assert {pair for pair, _ in ids} == {(0, 1)}
    assert all(y[0] < y[1] for _, y in ids)  # track 0 stays the upper item


def test_track_birth_and_death_rules():
    tracker = Sort(max_age=1, min_hits=3)
    box = [[10.0, 10.0, 20.0, 20.0]]
    reported = [len(tracker.update(box)["track_ids"]) for _ in range(3)]
    assert reported == [1, 1, 1]  # the first min_hits frames of the stream report at once
    late = Sort(max_age=1, min_hits=3)
    late.update(np.zeros((0, 4)))
    late.update(np.zeros((0, 4)))
    late.update(np.zeros((0, 4)))
    counts = [len(late.update(box)["track_ids"]) for _ in range(4)]
    assert counts == [0, 0, 0, 1]  # born, then hit_streak must reach 3
    for _ in range(2):
        late.update(np.zeros((0, 4)))  # unmatched twice > max_age 1: deleted
    assert late.tracks == []


def test_min_cost_matching_drops_pairs_above_the_limit():
    cost = np.array([[0.1, 0.9], [0.8, 0.95]])
    pairs = min_cost_matching(cost, 0.5)
    assert pairs.tolist() == [[0, 0]]
    assert min_cost_matching(np.zeros((0, 3)), 0.5).shape == (0, 2)


def test_histogram_embedding_equals_a_loop_histogram(rng):
    image = rng.random((20, 30))
    boxes = np.array([[2.0, 3.0, 12.0, 15.0], [0.0, 0.0, 30.0, 20.0], [25.4, 10.2, 40.0, 30.0]])
    got = histogram_embedding(image, boxes, bins=8)
    for k, (x1, y1, x2, y2) in enumerate(np.round(boxes).astype(int)):
        patch = image[max(y1, 0) : min(y2, 20), max(x1, 0) : min(x2, 30)]
        counts, _ = np.histogram(patch[patch >= 0.1], bins=8, range=(0.1, 1.0))
        expected = np.sqrt(counts) / np.linalg.norm(np.sqrt(counts))
        np.testing.assert_allclose(got[k], expected, atol=1e-12)
    assert histogram_embedding(image, np.zeros((0, 4))).shape == (0, 16)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="max_age"):
        Sort(max_age=-1)
    with pytest.raises(ValueError, match="x2 > x1"):
        Sort().update([[10, 10, 5, 20]])
    with pytest.raises(ValueError, match="features="):
        DeepSort().update([[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="feature rows"):
        DeepSort().update([[0, 0, 1, 1]], features=np.ones((2, 3)))
    assert DeepSort().update(np.zeros((0, 4)), features=[])["track_ids"].shape == (0,)
    with pytest.raises(TypeError, match="embed"):
        DeepSort(embed=3)
    with pytest.raises(ValueError, match="noise weights"):
        DeepSortBoxFilter([0, 0, 1, 1], position_weight=0)
    with pytest.raises(ValueError, match="motion_weight"):
        DeepSort(motion_weight=2)
    with pytest.raises(ValueError, match="aspect"):
        DeepSortBoxFilter([0, 0, 1, 1], aspect_noise=0)
