"""The IoU losses: values against torchvision's formulas written out here, reductions, and gradients by
float64 central differences."""

import math

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.vision import ops

LOSSES = (ops.generalized_box_iou_loss, ops.distance_box_iou_loss, ops.complete_box_iou_loss)


def random_pairs(rng, n):
    corner = rng.uniform(0, 4, (n, 2))
    boxes1 = np.concatenate([corner, corner + rng.uniform(0.5, 3, (n, 2))], axis=1)
    shift = rng.uniform(-2, 2, (n, 2))
    boxes2 = np.concatenate([corner + shift, corner + shift + rng.uniform(0.5, 3, (n, 2))], axis=1)
    return boxes1, boxes2


def reference_losses(a, b, eps=1e-7):
    """torchvision's three losses for one pair: I/(U + ε), enclosing area + ε, diagonal² + ε."""
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    iou = inter / (union + eps)
    cw, ch = max(a[2], b[2]) - min(a[0], b[0]), max(a[3], b[3]) - min(a[1], b[1])
    giou = 1 - iou + (cw * ch - union) / (cw * ch + eps)
    rho2 = ((a[0] + a[2] - b[0] - b[2]) / 2) ** 2 + ((a[1] + a[3] - b[1] - b[3]) / 2) ** 2
    diou = 1 - iou + rho2 / (cw**2 + ch**2 + eps)
    v = (
        4
        / math.pi**2
        * (math.atan((b[2] - b[0]) / (b[3] - b[1])) - math.atan((a[2] - a[0]) / (a[3] - a[1]))) ** 2
    )
    alpha = v / (1 - iou + v + eps)
    return giou, diou, diou + alpha * v, v, alpha


def test_values_equal_the_formulas(rng):
    boxes1, boxes2 = random_pairs(rng, 20)
    got = [loss(boxes1, boxes2).numpy() for loss in LOSSES]
    for i in range(20):
        expected = reference_losses(boxes1[i], boxes2[i])[:3]
        for k in range(3):
            assert got[k][i] == pytest.approx(expected[k], rel=1e-12)


def test_hand_made_values():
    same = [[0.0, 0.0, 2.0, 2.0]]
    for loss in LOSSES:
        assert loss(same, same).numpy()[0] == pytest.approx(0.0, abs=1e-6)
    apart = [[2.0, 0.0, 3.0, 1.0]]
    assert ops.generalized_box_iou_loss([[0.0, 0.0, 1.0, 1.0]], apart).numpy()[0] == pytest.approx(4 / 3)
    assert ops.distance_box_iou_loss([[0.0, 0.0, 1.0, 1.0]], apart).numpy()[0] == pytest.approx(1 + 4 / 10)


def test_reductions_and_shapes(rng):
    boxes1, boxes2 = random_pairs(rng, 5)
    for loss in LOSSES:
        none = loss(boxes1, boxes2).numpy()
        assert none.shape == (5,)
        assert loss(boxes1, boxes2, reduction="sum").item() == pytest.approx(none.sum())
        assert loss(boxes1, boxes2, reduction="mean").item() == pytest.approx(none.mean())
        assert loss(boxes1[0], boxes2[0]).shape == ()
        with pytest.raises(ValueError, match="reduction"):
            loss(boxes1, boxes2, reduction="max")
        with pytest.raises(ValueError, match="same shape"):
            loss(boxes1, boxes2[:3])


def test_empty_mean_is_zero_and_attached_to_the_graph():
    for loss in LOSSES:
        boxes = md.zeros(0, 4, dtype=np.float64, requires_grad=True)
        out = loss(boxes, np.zeros((0, 4)), reduction="mean")
        assert out.item() == 0.0
        out.backward()
        assert boxes.grad.shape == (0, 4)


@pytest.mark.parametrize("loss", LOSSES[:2], ids=lambda f: f.__name__)
def test_gradients_by_finite_differences(loss, rng):
    for _ in range(3):
        boxes1, boxes2 = random_pairs(rng, 6)
        inputs = [md.tensor(boxes1, requires_grad=True), md.tensor(boxes2, requires_grad=True)]
        gradcheck(lambda a, b: loss(a, b, reduction="sum"), inputs, atol=1e-8)
        gradgradcheck(lambda a, b: loss(a, b, reduction="sum"), inputs, atol=1e-6)


def test_ciou_gradient_is_the_diou_gradient_plus_frozen_alpha_times_dv(rng):
    """∂L_CIoU/∂x = ∂(L_DIoU + α₀ v)/∂x with α₀ = α at the point (torchvision's no_grad α): checked by
    float64 central differences of that function, for both boxes of each pair."""

    def frozen(x, y, alpha):
        _, diou, _, v, _ = reference_losses(x, y)
        return diou + alpha * v

    boxes1, boxes2 = random_pairs(rng, 6)
    a, b = md.tensor(boxes1, requires_grad=True), md.tensor(boxes2, requires_grad=True)
    ops.complete_box_iou_loss(a, b, reduction="sum").backward()
    for i in range(6):
        alpha = reference_losses(boxes1[i], boxes2[i])[4]
        for which, grad in ((0, a.grad.numpy()[i]), (1, b.grad.numpy()[i])):
            numeric = np.zeros(4)
            for k in range(4):
                step = np.zeros(4)
                step[k] = 1e-6
                pair = [boxes1[i], boxes2[i]]
                plus, minus = list(pair), list(pair)
                plus[which], minus[which] = pair[which] + step, pair[which] - step
                numeric[k] = (frozen(*plus, alpha) - frozen(*minus, alpha)) / 2e-6
            np.testing.assert_allclose(grad, numeric, atol=1e-7)
