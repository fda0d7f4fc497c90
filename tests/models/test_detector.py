"""The anchor-free detector: shapes and the stride check, target assignment on hand-made boxes, the loss's
gradient by finite differences, and a short training whose loss drops and whose detections improve."""

import numpy as np
import pytest

import mathdl as md
from mathdl import models, optim
from mathdl.autograd.gradcheck import gradcheck
from mathdl.data import DataLoader, FashionScenes
from mathdl.data.datasets.scenes import collate_scenes
from mathdl.models.detector import YoloDetector, assign_targets, cell_centres, detection_loss, pad_targets
from mathdl.train import Trainer
from mathdl.vision.detect import detect_batch
from mathdl.vision.metrics import mean_average_precision


def test_shapes_registry_and_any_multiple_of_the_stride():
    md.manual_seed(0)
    model = models.build("detector", width=8, num_classes=3)
    assert isinstance(model, YoloDetector) and model.config["name"] == "detector"
    assert model(md.zeros(2, 1, 64, 64)).shape == (2, 8, 8, 8)
    assert model(md.zeros(1, 1, 40, 96)).shape == (1, 8, 5, 12)
    assert model(md.zeros(1, 24, 16)).shape == (1, 8, 3, 2)  # (N, H, W) grey images
    assert model.features(md.zeros(1, 1, 16, 16)).shape == (1, model.feature_channels, 2, 2)
    # the objectness starts at the prior 0.01 everywhere (bias log(0.01/0.99), tiny weights aside)
    assert abs(1 / (1 + np.exp(-model.head.bias.array[0])) - 0.01) < 1e-6


@pytest.mark.parametrize("shape", [(1, 1, 60, 64), (1, 1, 64, 36), (2, 1, 4, 8)])
def test_image_sides_must_be_multiples_of_the_stride(shape):
    model = YoloDetector(width=8)
    with pytest.raises(ValueError, match="multiples of the stride 8"):
        model(md.zeros(*shape))
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        model(md.zeros(1, 3, 64, 64))
    for bad in ({"width": 0}, {"width": 7}, {"num_classes": 0}):
        with pytest.raises(ValueError):
            YoloDetector(**bad)


def test_cell_centres_row_major():
    np.testing.assert_array_equal(
        cell_centres(2, 3, 8), [[4, 4], [12, 4], [20, 4], [4, 12], [12, 12], [20, 12]]
    )


def test_assignment_on_hand_made_boxes():
    # a 32 x 32 image, grid 4 x 4 of stride 8: cell centres at 4, 12, 20, 28
    big = [2, 2, 30, 30]  # centre (16, 16): inside and within 1.5·8 = 12 px of it → rows/cols 1, 2
    corner = [0, 0, 6, 6]  # its home cell is 0, whose centre (4, 4) is inside it
    tiny = [9, 9, 11, 11]  # no cell centre inside: only its home cell 5 (row 1, col 1), taken from big
    boxes, labels, valid = pad_targets(
        [
            {"boxes": np.array([big, corner, tiny]), "labels": np.array([0, 1, 2])},
            {"boxes": np.zeros((0, 4)), "labels": np.zeros(0)},
        ]
    )
    assert boxes.shape == (2, 3, 4) and valid.tolist() == [[True] * 3, [False] * 3]
    matched, positive = assign_targets(boxes, valid, 4, 4, 8, center_radius=1.5)
    assert np.flatnonzero(positive[0]).tolist() == [0, 5, 6, 9, 10]
    assert matched[0, [0, 5, 6, 9, 10]].tolist() == [1, 2, 0, 0, 0]
    assert not positive[1].any()
    # a larger radius reaches further: cells whose centres are inside the big box and < 20 px away
    _, wide = assign_targets(boxes[:1, :1], valid[:1, :1], 4, 4, 8, center_radius=2.5)
    assert wide[0].sum() == 16


def test_pad_targets_errors():
    with pytest.raises(TypeError, match="list of dicts"):
        pad_targets(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="lacks 'boxes' or 'labels'"):
        pad_targets([{"boxes": np.zeros((1, 4))}])
    with pytest.raises(ValueError, match="2 boxes but 1 labels"):
        pad_targets([{"boxes": np.zeros((2, 4)), "labels": np.zeros(1)}])


def _tiny_case(rng):
    output = md.tensor(rng.normal(0, 0.5, (2, 8, 4, 4)), requires_grad=True)  # 3 classes, 32 x 32 images
    targets = [
        {"boxes": np.array([[3.0, 4.0, 20.0, 25.0], [18.0, 2.0, 30.0, 12.0]]), "labels": np.array([2, 0])},
        {"boxes": np.array([[10.0, 12.0, 17.0, 30.0]]), "labels": np.array([1])},
    ]
    return output, targets


@pytest.mark.parametrize("box_loss", ["giou", "diou"])
def test_loss_gradient_by_finite_differences(float64, rng, box_loss):
    output, targets = _tiny_case(rng)
    loss = detection_loss(output, targets, box_loss=box_loss, objectness_target="one")
    assert loss.dtype == np.float64 and np.isfinite(loss.array)
    assert gradcheck(
        lambda out: detection_loss(out, targets, box_loss=box_loss, objectness_target="one"), [output]
    )


def test_loss_parts_and_iou_target(float64, rng):
    output, targets = _tiny_case(rng)
    _, parts = detection_loss(output, targets, return_parts=True)
    assert parts["positives"] > 3
    # where every positive cell predicts its box exactly, IoU = 1: both objectness targets agree, the box
    # term is 0, and the loss is BCE + CE alone
    boxes, _, valid = pad_targets(targets)
    matched, positive = assign_targets(boxes, valid, 4, 4, 8)
    exact = rng.normal(0, 0.5, (2, 8, 4, 4))
    centres = cell_centres(4, 4, 8)
    for b, cell in zip(*np.nonzero(positive)):
        x1, y1, x2, y2 = boxes[b, matched[b, cell]]
        row, col = divmod(cell, 4)
        exact[b, 1:5, row, col] = [
            ((x1 + x2) / 2 - centres[cell, 0]) / 8,
            ((y1 + y2) / 2 - centres[cell, 1]) / 8,
            np.log((x2 - x1) / 8),
            np.log((y2 - y1) / 8),
        ]
    exact = md.tensor(exact)
    one, parts_one = detection_loss(exact, targets, objectness_target="one", return_parts=True)
    iou, parts_iou = detection_loss(exact, targets, objectness_target="iou", return_parts=True)
    assert parts_one["box"] < 1e-9 and parts_iou == pytest.approx(parts_one)
    np.testing.assert_allclose(iou.array, one.array, rtol=1e-12)


def test_loss_errors(rng):
    output, targets = _tiny_case(rng)
    with pytest.raises(ValueError, match="box_loss"):
        detection_loss(output, targets, box_loss="l1")
    with pytest.raises(ValueError, match="2 images but 1 targets"):
        detection_loss(output, targets[:1])
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        detection_loss(output, [{"boxes": np.ones((1, 4)), "labels": np.array([3])}] * 2)
    with pytest.raises(ValueError, match="objectness_target"):
        detection_loss(output, targets, objectness_target="half")
    # an image without objects: only the objectness term, still differentiable
    empty = [{"boxes": np.zeros((0, 4)), "labels": np.zeros(0, dtype=np.int64)}] * 2
    loss = detection_loss(output, empty)
    loss.backward()
    assert np.isfinite(loss.array) and np.abs(output.grad.array[:, 1:]).max() == 0


def test_short_training_lowers_the_loss_and_improves_detections():
    md.manual_seed(0)
    scenes = FashionScenes(num_scenes=24, num_items=(1, 2), seed=3)
    model = models.build("detector", width=8)
    images = np.stack([scenes[i][0] for i in range(len(scenes))])
    targets = [scenes[i][1] for i in range(len(scenes))]

    def score():
        return mean_average_precision(detect_batch(model, images, score_threshold=0.01), targets)["map_50"]

    before = score()
    loader = DataLoader(scenes, batch_size=8, shuffle=True, collate_fn=collate_scenes)
    trainer = Trainer(
        model, optim.Adam(model.parameters(), lr=3e-3), loss_fn=model.loss, metrics=(), verbose=0
    )
    history = trainer.fit(loader, epochs=25)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert score() > before + 0.2
