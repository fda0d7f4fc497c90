"""CLEAR-MOT and identity metrics on hand-computed examples."""

import numpy as np
import pytest

from mathdl.vision.metrics import tracking_metrics


def box(x, y, size=10.0):
    return [x, y, x + size, y + size]


def frame(*entries):
    return {"boxes": np.array([b for b, _ in entries]).reshape(-1, 4), "track_ids": [i for _, i in entries]}


def test_perfect_tracking():
    gt = [frame((box(0, 0), 1), (box(50, 0), 2)) for _ in range(4)]
    result = tracking_metrics(gt, [frame((box(0, 0), 7), (box(50, 0), 9)) for _ in range(4)])
    assert result["mota"] == 1.0 and result["motp"] == 1.0 and result["idf1"] == 1.0
    assert result["num_switches"] == 0 and result["num_objects"] == 8


def test_misses_false_positives_switch_and_identity_by_hand():
    """GT A (id 1), B (id 2); hypotheses 10, 20, 30, 40.
    f0: A↔10, B↔20.   f1: A↔10 (IoU 0.6), B missed.   f2: A↔10, B↔30 (a switch), 40 far away (FP).
    f3: A only, 10 overlaps it with IoU 0.4 < 0.5 (a miss and a FP).
    GT 7, matches 5 → FN 2; hypotheses 7 → FP 2; IDSW 1: MOTA = 1 − 5/7; MOTP = (4 + 0.6)/5.
    Identity: A–10 share 3 frames, B–20 1, B–30 1: IDTP = 4, IDFN = IDFP = 3, IDF1 = 8/14."""
    shifted_06 = [0.0, 2.5, 10.0, 12.5]  # IoU with box(0, 0): 75 / 125 = 0.6
    shifted_04 = [0.0, 0.0, 10.0, 25.0]  # IoU = 100 / 250 = 0.4
    gt = [
        frame((box(0, 0), 1), (box(50, 0), 2)),
        frame((box(0, 0), 1), (box(50, 0), 2)),
        frame((box(0, 0), 1), (box(50, 0), 2)),
        frame((box(0, 0), 1)),
    ]
    hyp = [
        frame((box(0, 0), 10), (box(50, 0), 20)),
        frame((shifted_06, 10)),
        frame((box(0, 0), 10), (box(50, 0), 30), (box(200, 200), 40)),
        frame((shifted_04, 10)),
    ]
    result = tracking_metrics(gt, hyp)
    assert (result["num_misses"], result["num_false_positives"], result["num_switches"]) == (2, 2, 1)
    assert result["mota"] == pytest.approx(2 / 7)
    assert result["motp"] == pytest.approx(4.6 / 5)
    assert (result["idtp"], result["idfn"], result["idfp"]) == (4, 3, 3)
    assert result["idf1"] == pytest.approx(8 / 14) and result["idp"] == pytest.approx(4 / 7)


def test_an_object_keeps_its_previous_hypothesis_while_it_still_overlaps():
    """f1: hypothesis 5 overlaps A better than 3 does, but A was matched to 3 and 3 still overlaps
    (IoU 0.6 ≥ 0.5), so 3 stays: no switch, and 5 is a false positive."""
    gt = [frame((box(0, 0), 1)), frame((box(0, 0), 1))]
    hyp = [frame((box(0, 0), 3)), frame(([0.0, 2.5, 10.0, 12.5], 3), (box(0, 0), 5))]
    result = tracking_metrics(gt, hyp)
    assert result["num_switches"] == 0 and result["num_false_positives"] == 1
    assert result["motp"] == pytest.approx(1.6 / 2)


def test_a_switch_back_counts_again_and_sequences_sum():
    gt = [frame((box(0, 0), 1))] * 3
    hyp = [frame((box(0, 0), 3)), frame((box(0, 0), 4)), frame((box(0, 0), 3))]
    result = tracking_metrics(gt, hyp)
    assert result["num_switches"] == 2 and result["mota"] == pytest.approx(1 / 3)
    assert result["idtp"] == 2
    both = tracking_metrics([gt, gt], [hyp, [frame((box(0, 0), 8))] * 3])
    assert both["num_switches"] == 2 and both["num_objects"] == 6 and both["idtp"] == 5


def test_empty_frames_and_ids_key():
    gt = [{"boxes": np.zeros((0, 4)), "ids": []}, frame((box(0, 0), 1))]
    hyp = [frame((box(0, 0), 2)), {"boxes": np.zeros((0, 4)), "ids": []}]
    result = tracking_metrics(gt, hyp)
    assert (result["num_misses"], result["num_false_positives"]) == (1, 1)
    assert result["mota"] == -1.0


def test_bad_inputs_raise():
    gt = [frame((box(0, 0), 1))]
    with pytest.raises(ValueError, match="frames"):
        tracking_metrics(gt, gt * 2)
    with pytest.raises(ValueError, match="track_ids"):
        tracking_metrics([{"boxes": [box(0, 0)]}], gt)
    with pytest.raises(ValueError, match="repeat"):
        tracking_metrics([frame((box(0, 0), 1), (box(5, 5), 1))], gt)
    with pytest.raises(ValueError, match="2 boxes but 1 track ids"):
        tracking_metrics([{"boxes": [box(0, 0), box(1, 1)], "track_ids": [1]}], gt)
    with pytest.raises(ValueError, match="iou_threshold"):
        tracking_metrics(gt, gt, iou_threshold=0)
