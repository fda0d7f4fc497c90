"""Box conversions and the IoU family against the formulas written out here and hand-made cases."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck
from mathdl.vision import ops


def random_boxes(rng, n, scale=10.0):
    corner = rng.uniform(0, scale, (n, 2))
    size = rng.uniform(0.5, scale / 2, (n, 2))
    return np.concatenate([corner, corner + size], axis=1)


def reference_pair(a, b, eps=1e-7):
    """IoU, GIoU, DIoU, CIoU of two xyxy boxes, one scalar formula at a time."""
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = area_a + area_b - inter
    iou = inter / union
    cw = max(a[2], b[2]) - min(a[0], b[0])
    ch = max(a[3], b[3]) - min(a[1], b[1])
    giou = iou - (cw * ch - union) / (cw * ch)
    rho2 = ((a[0] + a[2]) / 2 - (b[0] + b[2]) / 2) ** 2 + ((a[1] + a[3]) / 2 - (b[1] + b[3]) / 2) ** 2
    diou = iou - rho2 / (cw**2 + ch**2 + eps)
    v = (
        4
        / math.pi**2
        * (math.atan((a[2] - a[0]) / (a[3] - a[1])) - math.atan((b[2] - b[0]) / (b[3] - b[1]))) ** 2
    )
    ciou = diou - v / (1 - iou + v + eps) * v
    return iou, giou, diou, ciou


def test_box_convert_formulas_and_round_trips(rng):
    xyxy = random_boxes(rng, 7)
    xywh = ops.box_convert(xyxy, "xyxy", "xywh").numpy()
    np.testing.assert_allclose(xywh[:, 2:], xyxy[:, 2:] - xyxy[:, :2])
    cxcywh = ops.box_convert(xyxy, "xyxy", "cxcywh").numpy()
    np.testing.assert_allclose(cxcywh[:, :2], (xyxy[:, :2] + xyxy[:, 2:]) / 2)
    for fmt, boxes in (("xywh", xywh), ("cxcywh", cxcywh)):
        np.testing.assert_allclose(ops.box_convert(boxes, fmt, "xyxy").numpy(), xyxy, atol=1e-12)
    np.testing.assert_allclose(ops.box_convert(xywh, "xywh", "cxcywh").numpy(), cxcywh, atol=1e-12)
    same = ops.box_convert(xyxy, "xyxy", "xyxy")
    np.testing.assert_array_equal(same.numpy(), xyxy)
    assert ops.box_convert(np.zeros((2, 3, 4)), "xywh", "xyxy").shape == (2, 3, 4)


def test_box_convert_rejects_unknown_formats_and_shapes():
    with pytest.raises(ValueError, match="formats"):
        ops.box_convert([[0, 0, 1, 1]], "xyxy", "yxyx")
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        ops.box_convert([[0, 0, 1]], "xyxy", "xywh")
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        ops.box_iou(np.zeros((2, 5)), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="numeric"):
        ops.box_area(np.array([["a", "b", "c", "d"]]))


def test_hand_made_cases():
    np.testing.assert_allclose(ops.box_area([[0, 0, 2, 3], [1, 1, 1, 5]]).numpy(), [6.0, 0.0])
    a = [[0.0, 0.0, 2.0, 2.0]]
    cases = {  # other box: (IoU, GIoU)
        (0.0, 0.0, 2.0, 2.0): (1.0, 1.0),
        (1.0, 1.0, 3.0, 3.0): (1 / 7, 1 / 7 - 2 / 9),
        (0.5, 0.5, 1.5, 1.5): (0.25, 0.25),
        (3.0, 0.0, 5.0, 2.0): (0.0, -2 / 10),
    }
    for other, (iou, giou) in cases.items():
        np.testing.assert_allclose(ops.box_iou(a, [other]).numpy(), [[iou]], rtol=1e-6)
        np.testing.assert_allclose(ops.generalized_box_iou(a, [other]).numpy(), [[giou]], rtol=1e-6)
    # the same centre: DIoU = IoU; the same aspect ratio: CIoU = DIoU
    inner = [[0.5, 0.5, 1.5, 1.5]]
    np.testing.assert_allclose(ops.distance_box_iou(a, inner).numpy(), [[0.25]], rtol=1e-6)
    np.testing.assert_allclose(ops.complete_box_iou(a, inner).numpy(), [[0.25]], rtol=1e-6)


def test_pairwise_functions_equal_the_scalar_formulas(rng):
    for _ in range(5):
        boxes1, boxes2 = random_boxes(rng, 6), random_boxes(rng, 4)
        got = [
            f(boxes1, boxes2).numpy()
            for f in (ops.box_iou, ops.generalized_box_iou, ops.distance_box_iou, ops.complete_box_iou)
        ]
        for i in range(6):
            for j in range(4):
                expected = reference_pair(boxes1[i], boxes2[j])
                for k in range(4):
                    assert got[k][i, j] == pytest.approx(expected[k], rel=1e-10, abs=1e-12)
    assert ops.box_iou(np.zeros((0, 4)), random_boxes(rng, 3)).shape == (0, 3)


def test_degenerate_box_against_itself_is_nan_as_torchvision():
    with np.errstate(invalid="ignore"):
        iou = ops.box_iou([[1.0, 1.0, 1.0, 3.0]], [[1.0, 1.0, 1.0, 3.0], [0.0, 0.0, 2.0, 2.0]]).numpy()
    assert np.isnan(iou[0, 0]) and iou[0, 1] == 0.0


def test_inputs_may_be_tensors_and_keep_float32():
    boxes = md.tensor([[0.0, 0.0, 2.0, 2.0]])
    out = ops.box_iou(boxes, np.array([[1.0, 1.0, 3.0, 3.0]], dtype=np.float32))
    assert isinstance(out, md.Tensor) and out.dtype == np.float32
    assert ops.box_area(np.array([[0, 0, 2, 2]])).dtype == md.get_default_dtype()


def test_pairwise_iou_is_differentiable(rng):
    boxes1, boxes2 = random_boxes(rng, 3), random_boxes(rng, 2)
    boxes2[0] = boxes1[0] + 0.3  # overlapping, so the gradient is not zero
    for f in (ops.box_iou, ops.generalized_box_iou, ops.distance_box_iou):
        gradcheck(
            lambda a, b, f=f: f(a, b),
            [md.tensor(boxes1, requires_grad=True), md.tensor(boxes2, requires_grad=True)],
        )


def test_box_convert_is_differentiable(rng):
    boxes = md.tensor(random_boxes(rng, 4), requires_grad=True)
    for fmt in ("xywh", "cxcywh"):
        gradcheck(lambda b, fmt=fmt: ops.box_convert(b, "xyxy", fmt), [boxes])
        gradcheck(lambda b, fmt=fmt: ops.box_convert(b, fmt, "xyxy"), [boxes])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_iou_family_properties(n, m, seed):
    """IoU ∈ [0, 1] and symmetric; GIoU ∈ [−1, 1] with GIoU ≤ IoU; DIoU ≤ IoU;
    CIoU ≤ DIoU; a box with itself scores 1 in every member."""
    rng = np.random.default_rng(seed)
    boxes1, boxes2 = random_boxes(rng, n), random_boxes(rng, m)
    iou = ops.box_iou(boxes1, boxes2).numpy()
    np.testing.assert_allclose(iou, ops.box_iou(boxes2, boxes1).numpy().T, atol=1e-12)
    assert np.all((iou >= 0) & (iou <= 1))
    giou = ops.generalized_box_iou(boxes1, boxes2).numpy()
    diou = ops.distance_box_iou(boxes1, boxes2).numpy()
    ciou = ops.complete_box_iou(boxes1, boxes2).numpy()
    assert np.all((giou >= -1) & (giou <= iou + 1e-12))
    assert np.all(diou <= iou + 1e-12) and np.all(ciou <= diou + 1e-12)
    for f in (ops.box_iou, ops.generalized_box_iou, ops.distance_box_iou, ops.complete_box_iou):
        np.testing.assert_allclose(np.diagonal(f(boxes1, boxes1).numpy()), 1.0, atol=1e-6)
