"""mean_average_precision against pycocotools' COCOeval (built in memory from dicts) to 1e-6, over
many seeds of random predictions, with images without ground truth, images without predictions,
classes only in predictions or only in targets, and all three COCO area ranges."""

import contextlib
import io

import numpy as np
import pytest

import mathdl as md
from mathdl.vision.metrics import mean_average_precision

pycocotools = pytest.importorskip("pycocotools", reason="pycocotools is the reference for COCO mAP")
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

STAT_KEYS = (
    "map",
    "map_50",
    "map_75",
    "map_small",
    "map_medium",
    "map_large",
    "mar_1",
    "mar_10",
    "mar_100",
    "mar_small",
    "mar_medium",
    "mar_large",
)


def _coco(images, annotations, categories):
    coco = COCO()
    coco.dataset = {"images": images, "annotations": annotations, "categories": categories}
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def coco_reference(preds, targets):
    """pycocotools' 12 stats and per-class AP (precision[:, :, k, area all, maxDets 100])."""
    labels = sorted({int(c) for entry in preds + targets for c in entry["labels"]})
    categories = [{"id": c} for c in labels]
    images = [{"id": i} for i in range(len(targets))]
    gt_annotations, det_annotations = [], []
    for i, target in enumerate(targets):
        for box, label in zip(target["boxes"], target["labels"]):
            w, h = box[2] - box[0], box[3] - box[1]
            gt_annotations.append(
                {
                    "id": len(gt_annotations) + 1,
                    "image_id": i,
                    "category_id": int(label),
                    "bbox": [box[0], box[1], w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
    for i, pred in enumerate(preds):
        for box, score, label in zip(pred["boxes"], pred["scores"], pred["labels"]):
            w, h = box[2] - box[0], box[3] - box[1]
            det_annotations.append(
                {
                    "id": len(det_annotations) + 1,
                    "image_id": i,
                    "category_id": int(label),
                    "bbox": [box[0], box[1], w, h],
                    "area": w * h,
                    "score": float(score),
                    "iscrowd": 0,
                }
            )
    evaluator = COCOeval(
        _coco(images, gt_annotations, categories), _coco(images, det_annotations, categories), "bbox"
    )
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    precision = evaluator.eval["precision"][:, :, :, 0, -1]
    per_class = [
        precision[:, :, k][precision[:, :, k] > -1].mean() if (precision[:, :, k] > -1).any() else -1
        for k in range(len(labels))
    ]
    return evaluator.stats, np.array(per_class)


def random_problem(rng, num_images=8, num_classes=4):
    targets, preds = [], []
    for _ in range(num_images):
        g = int(rng.integers(0, 6))  # some images have no ground truth
        centres = rng.uniform(0, 300, (g, 2))
        sizes = np.exp(rng.uniform(np.log(8), np.log(200), (g, 2)))  # small, medium and large
        boxes = np.concatenate([centres - sizes / 2, centres + sizes / 2], axis=1)
        labels = rng.integers(0, num_classes, g)
        targets.append({"boxes": boxes, "labels": labels})
        n = int(rng.integers(0, 12)) if rng.random() > 0.15 else 0  # some images have no predictions
        near = rng.integers(0, max(g, 1), n)
        jitter = rng.normal(0, 0.15, (n, 4)) * np.tile(sizes[near] if g else np.full((n, 2), 50.0), 2)
        base = boxes[near] if g else np.tile(rng.uniform(0, 300, (n, 2)), 2) + [0, 0, 40, 40]
        pred_boxes = base + jitter
        pred_boxes[:, 2:] = np.maximum(pred_boxes[:, 2:], pred_boxes[:, :2] + 1)
        pred_labels = np.where(
            rng.random(n) < 0.8, labels[near] if g else 0, rng.integers(0, num_classes + 1, n)
        )
        preds.append({"boxes": pred_boxes, "scores": rng.random(n), "labels": pred_labels})
    return preds, targets


@pytest.mark.parametrize("seed", range(40))
def test_equals_pycocotools_on_random_predictions(seed):
    preds, targets = random_problem(np.random.default_rng(seed))
    ours = mean_average_precision(preds, targets)
    stats, per_class = coco_reference(preds, targets)
    np.testing.assert_allclose([ours[key] for key in STAT_KEYS], stats, atol=1e-6)
    np.testing.assert_allclose(ours["map_per_class"], per_class, atol=1e-6)


def test_more_than_100_detections_and_budgets_of_1_and_10():
    rng = np.random.default_rng(7)
    preds, targets = random_problem(rng, num_images=3, num_classes=2)
    for pred, target in zip(preds, targets):  # 150 detections on one image: the top 100 count
        n = 150
        pred["boxes"] = (
            np.tile(rng.uniform(0, 200, (n, 2)), 2) + np.c_[np.zeros((n, 2)), rng.uniform(5, 60, (n, 2))]
        )
        pred["scores"], pred["labels"] = rng.random(n), rng.integers(0, 2, n)
        target["boxes"] = np.concatenate([target["boxes"], pred["boxes"][:20] + 1.0])
        target["labels"] = np.concatenate([target["labels"], pred["labels"][:20]])
    ours = mean_average_precision(preds, targets)
    stats, _ = coco_reference(preds, targets)
    np.testing.assert_allclose([ours[key] for key in STAT_KEYS], stats, atol=1e-6)


def test_no_predictions_at_all_and_no_ground_truth_at_all():
    targets = [{"boxes": [[0, 0, 10, 10]], "labels": [3]}, {"boxes": np.zeros((0, 4)), "labels": []}]
    empty = [{"boxes": np.zeros((0, 4)), "scores": [], "labels": []} for _ in targets]
    ours = mean_average_precision(empty, targets)
    stats, _ = coco_reference(empty, targets)
    np.testing.assert_allclose([ours[key] for key in STAT_KEYS], stats, atol=1e-6)
    assert ours["map"] == 0.0 and ours["map_medium"] == -1.0
    no_truth = [{"boxes": np.zeros((0, 4)), "labels": []}]
    result = mean_average_precision([{"boxes": [[0, 0, 5, 5]], "scores": [0.5], "labels": [1]}], no_truth)
    assert result["map"] == -1.0 and result["map_per_class"].tolist() == [-1.0]


def test_hand_computed_ap():
    """Two GT boxes, three detections: TP (0.9), FP (0.8), TP (0.7) at every IoU threshold.
    Precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 → monotone 1, 2/3, 2/3: AP = (51·1 + 50·2/3)/101."""
    targets = [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "labels": [0, 0]}]
    preds = [
        {
            "boxes": [[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 30]],
            "scores": [0.9, 0.8, 0.7],
            "labels": [0, 0, 0],
        }
    ]
    result = mean_average_precision(preds, targets)
    expected = (51 * 1.0 + 50 * 2 / 3) / 101
    assert result["map"] == pytest.approx(expected, abs=1e-12)
    assert result["mar_1"] == pytest.approx(0.5) and result["mar_10"] == pytest.approx(1.0)
    # Tensors and the xywh format give the same
    xywh = [
        {
            "boxes": md.tensor([[0.0, 0, 10, 10], [50, 50, 10, 10], [20, 20, 10, 10]]),
            "scores": md.tensor([0.9, 0.8, 0.7]),
            "labels": md.tensor([0, 0, 0]),
        }
    ]
    xywh_targets = [{"boxes": [[0, 0, 10, 10], [20, 20, 10, 10]], "labels": [0, 0]}]
    assert mean_average_precision(xywh, xywh_targets, box_format="xywh")["map"] == pytest.approx(expected)


def test_a_given_area_sets_the_size_class():
    """A target's ``area`` (COCO's segment area) replaces the box area in the size ranges."""
    targets = [{"boxes": [[0, 0, 40, 40]], "labels": [0]}]
    preds = [{"boxes": [[0, 0, 40, 40]], "scores": [0.9], "labels": [0]}]
    by_box = mean_average_precision(preds, targets)
    assert by_box["map_medium"] > 0.99 and by_box["map_small"] == -1.0
    targets[0]["area"] = [500.0]
    by_area = mean_average_precision(preds, targets)
    assert by_area["map_small"] > 0.99 and by_area["map_medium"] == -1.0


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="2 preds but 1 targets"):
        mean_average_precision([{}, {}], [{}])
    with pytest.raises(ValueError, match="lacks the keys"):
        mean_average_precision([{"boxes": [[0, 0, 1, 1]]}], [{"boxes": [[0, 0, 1, 1]], "labels": [0]}])
    with pytest.raises(ValueError, match="one per box"):
        mean_average_precision(
            [{"boxes": [[0, 0, 1, 1]], "scores": [1, 2], "labels": [0]}],
            [{"boxes": [[0, 0, 1, 1]], "labels": [0]}],
        )
    with pytest.raises(ValueError, match="box_format"):
        mean_average_precision([], [], box_format="yxyx")
    with pytest.raises(TypeError, match="lists of dicts"):
        mean_average_precision({}, {})
